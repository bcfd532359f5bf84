"""DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS: each process serves its shards, and Discord gives each shard its own
servers."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from bot import replies
from bot.settings import load_settings
from bot.store import open_store
from tests.e2e.bot_process import bot_process, discord_env, terminate
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import CALLBACK, FIXTURE_KNOWLEDGE, TOKEN, components_of, running_bot
from tests.e2e.fake_discord.server import FakeDiscord, Request
from tests.e2e.test_discord_admin import ADMIN, faq
from tests.net import closed_port
from tests.store.postgres import fresh_database
from tests.store.test_reload import NEW_ANSWER, rewrite_roles_answer

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60.0  # two processes building their engines at once on a busy machine
# Discord puts a server on shard (guild_id >> 22) % shard_count: one server for each of two shards.
GUILD_ON_SHARD = {0: 800 << 22, 1: 801 << 22}
BUTTON = 2


def process_env(fake: FakeDiscord, data_dir: Path, shard: int, **more: str) -> dict[str, str]:
    return discord_env(
        fake, data_dir, GUILD_ON_SHARD.values(), DISCORD_SHARD_COUNT="2", DISCORD_SHARD_IDS=str(shard), **more
    )


def ask_roles() -> dict[str, object]:
    return payloads.slash("ask", [payloads.string_option("question", "How do I get a role?")])


async def roles_answer_in(fake: FakeDiscord, guild_id: int) -> str:
    """The answer to a question on the roles card, asked in that server by a new member (no cooldown)."""
    return (await interact(fake, 2, ask_roles(), guild_id)).body["data"]["embeds"][0]["description"]


async def healthy(port: int) -> None:
    """Wait until the process on `port` reports itself connected to Discord and its store recording."""
    async with aiohttp.ClientSession() as session:
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200 and (await response.json())["store"] == "ok":
                        return
            await asyncio.sleep(0.1)


def connected(fake: FakeDiscord) -> Callable[[], bool]:
    """Whether both processes have IDENTIFYed, one shard each."""
    return lambda: fake.identifies == 2 and all(session.ws for session in fake.sessions.values())


async def interact(fake: FakeDiscord, kind: int, data: dict[str, object], guild_id: int, **options: object) -> Request:
    """One interaction in a server, dispatched on that server's shard; the bot's callback for it."""
    interaction_id = fake.new_id()
    payload = payloads.interaction(
        interaction_id, kind, data, options.pop("asker", payloads.user()), guild_id=guild_id, **options
    )
    await fake.dispatch("INTERACTION_CREATE", payload)
    return await fake.wait_for_request("POST", CALLBACK.format(id=interaction_id))


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
                await fake.wait_until(connected(fake), seconds=START_SECONDS)
                assert sorted(map(tuple, fake.identified_shards)) == [(0, 2), (1, 2)]
                for shard, guild_id in GUILD_ON_SHARD.items():
                    question = f"how do I install it? {shard}"
                    await interact(
                        fake, 2, payloads.slash("ask", [payloads.string_option("question", question)]), guild_id
                    )
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
    async with running_bot(discord_shard_count="auto") as bot:
        await bot.fake.wait_for_request("GET", "/gateway/bot")
        assert bot.fake.identified_shards == [[0, 1]]  # the one shard the fake Discord recommends
        card = bot.bot.holder.engine.cards[0]
        assert (await bot.ask(card.title)).body["data"]["embeds"][0]["title"] == card.title
        async with asyncio.timeout(START_SECONDS):
            await bot.bot.wait_until_ready()
        assert bot.bot.gateway_connected  # /healthz's view: every shard of the process up


async def test_two_processes_on_one_postgresql_count_a_vote_once_and_share_a_reload(
    postgres_url: str, tmp_path: Path
) -> None:
    """Each process has its own DATA_DIR and its own copy of the cards, as on two hosts."""
    url = await fresh_database(postgres_url)
    fake = FakeDiscord(TOKEN, tuple(GUILD_ON_SHARD.values()))
    await fake.start()
    knowledge = {
        shard: Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / f"cards-{shard}")) for shard in GUILD_ON_SHARD
    }
    ports = [closed_port() for _ in GUILD_ON_SHARD]
    envs = [
        process_env(
            fake,
            tmp_path / f"data-{shard}",
            shard,
            DATABASE_URL=url,
            USER_HASH_SALT="shared",
            KNOWLEDGE_DIR=str(knowledge[shard]),
            HTTP_HOST="127.0.0.1",
            HTTP_PORT=str(ports[shard]),
        )
        for shard in GUILD_ON_SHARD
    ]
    voter = payloads.user()
    try:
        async with (
            bot_process("run", cwd=tmp_path, env=envs[0]) as first,
            bot_process("run", cwd=tmp_path, env=envs[1]) as second,
        ):
            async with asyncio.timeout(START_SECONDS):
                await fake.wait_until(connected(fake), seconds=START_SECONDS)
                for port in ports:  # a vote needs the store open, and it opens in the background
                    await healthy(port)
                answer = (await interact(fake, 2, ask_roles(), GUILD_ON_SHARD[0])).body["data"]
                message = payloads.message(fake.new_id(), payloads.CHANNEL_ID, payloads.BOT_USER, answer)
                [helpful] = [c["custom_id"] for c in components_of(answer) if c["custom_id"].startswith("faq:vote:u:")]
                vote = payloads.component(helpful, BUTTON)
                thanks = [
                    (await interact(fake, 3, vote, guild_id, asker=voter, message_payload=message)).body["data"]
                    for guild_id in GUILD_ON_SHARD.values()
                ]
                for cards in knowledge.values():  # a deploy that changed the cards on both hosts
                    rewrite_roles_answer(cards)
                reloaded = await interact(fake, 2, faq("reload"), GUILD_ON_SHARD[0], permissions=ADMIN)
                await fake.wait_for_request("POST", rf"/webhooks/\d+/{reloaded.path.split('/')[3]}")
                # the other process reloads as soon as it hears, with nothing the test could wait on
                while await roles_answer_in(fake, GUILD_ON_SHARD[1]) != NEW_ANSWER:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
            logs = [await terminate(first), await terminate(second)]
    finally:
        await fake.stop()

    assert [first.returncode, second.returncode] == [0, 0], logs
    # the second process, in the other server, found the first's vote: one member's vote on a card counts once
    assert [body["content"] for body in thanks] == [replies.FEEDBACK_THANKS, replies.FEEDBACK_ALREADY]
    assert "cards reloaded: another process of this bot reloaded" in logs[1]
    store = await open_store(load_settings(database_url=url, user_hash_salt="shared", data_dir=tmp_path))
    try:
        assert [(vote.card, vote.helpful) for vote in await store.votes()] == [("roles", True)]
    finally:
        await store.close()


async def test_without_shard_settings_the_bot_identifies_unsharded() -> None:
    async with running_bot() as bot:
        assert bot.fake.identified_shards == [None]
        assert not any(request.path == "/gateway/bot" for request in bot.fake.requests)
