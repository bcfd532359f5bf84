"""SHARD_COUNT and SHARD_IDS: each process serves its shards, and Discord gives each shard its own servers."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.store import open_store
from tests.e2e.bot_process import bot_process, terminate
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import CALLBACK, FIXTURE_KNOWLEDGE, TOKEN, running_bot
from tests.e2e.fake_discord.server import FakeDiscord

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 30.0
# Discord puts a server on shard (guild_id >> 22) % shard_count: one server for each of two shards.
GUILD_ON_SHARD = {0: 800 << 22, 1: 801 << 22}


def process_env(fake: FakeDiscord, data_dir: Path, shard: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DISCORD_", "DATABASE_", "SHARD_"))}
    env.update(
        PYTHONPATH=str(REPO),
        DISCORD_TOKEN=TOKEN,
        DISCORD_API_BASE=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DISCORD_GUILD_IDS=",".join(map(str, GUILD_ON_SHARD.values())),
        KNOWLEDGE_DIR=str(FIXTURE_KNOWLEDGE),
        DATA_DIR=str(data_dir),
        SHARD_COUNT="2",
        SHARD_IDS=str(shard),
    )
    return env


async def test_two_processes_each_answer_only_the_servers_of_their_shard(tmp_path: Path) -> None:
    fake = FakeDiscord(TOKEN, tuple(GUILD_ON_SHARD.values()))
    await fake.start()
    data = {shard: tmp_path / f"shard-{shard}" for shard in GUILD_ON_SHARD}
    try:
        async with (
            bot_process("run", cwd=tmp_path, env=process_env(fake, data[0], 0)) as first,
            bot_process("run", cwd=tmp_path, env=process_env(fake, data[1], 1)) as second,
        ):
            async with asyncio.timeout(START_SECONDS):
                await fake.wait_until(lambda: fake.identifies == 2 and all(s.ws for s in fake.sessions.values()))
                assert sorted(map(tuple, fake.identified_shards)) == [(0, 2), (1, 2)]
                for shard, guild_id in GUILD_ON_SHARD.items():
                    interaction_id = fake.new_id()
                    question = payloads.slash(
                        "ask", [payloads.string_option("question", f"how do I install it? {shard}")]
                    )
                    asked = payloads.interaction(interaction_id, 2, question, payloads.user(), guild_id=guild_id)
                    await fake.dispatch("INTERACTION_CREATE", asked)
                    await fake.wait_for_request("POST", CALLBACK.format(id=interaction_id))
            logs = [await terminate(first), await terminate(second)]
    finally:
        await fake.stop()

    assert [first.returncode, second.returncode] == [0, 0], logs
    for shard, guild_id in GUILD_ON_SHARD.items():
        store = await open_store(load_settings(data_dir=data[shard]))
        try:
            questions = await store.questions()
        finally:
            await store.close()
        assert [(row.guild, row.question) for row in questions] == [(str(guild_id), f"how do I install it? {shard}")]


async def test_shard_count_auto_asks_discord_how_many() -> None:
    async with running_bot(shard_count="auto") as bot:
        await bot.fake.wait_for_request("GET", "/gateway/bot")
        assert bot.fake.identified_shards == [[0, 1]]  # the one shard the fake Discord recommends
        card = bot.bot.holder.engine.cards[0]
        assert (await bot.ask(card.title)).body["data"]["embeds"][0]["title"] == card.title
        async with asyncio.timeout(START_SECONDS):
            await bot.bot.wait_until_ready()
        assert bot.bot.gateway_connected  # /healthz's view: every shard of the process up
