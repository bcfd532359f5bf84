"""`python -m bot run --platform all`: Discord and Slack served by one process, one store, one SIGTERM."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.store import open_store
from tests.e2e.bot_process import bot_process, terminate
from tests.e2e.fake_discord import payloads as discord_payloads
from tests.e2e.fake_discord.harness import CALLBACK, FIXTURE_KNOWLEDGE, TOKEN
from tests.e2e.fake_discord.server import FakeDiscord
from tests.e2e.fake_slack import payloads as slack_payloads
from tests.e2e.fake_slack.harness import APP_TOKEN, BOT_TOKEN, fake_slack

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 30.0  # a cold interpreter importing both adapters on a busy machine


async def test_one_process_answers_on_both_platforms_and_exits_0(tmp_path: Path) -> None:
    discord = FakeDiscord(TOKEN)
    await discord.start()
    try:
        async with fake_slack() as slack:
            env = {key: value for key, value in os.environ.items() if not key.startswith(("DISCORD_", "SLACK_"))}
            env.update(
                PYTHONPATH=str(REPO),
                KNOWLEDGE_DIR=str(FIXTURE_KNOWLEDGE),
                DATA_DIR=str(tmp_path),
                HTTP_PORT="",
                LOG_LEVEL="DEBUG",
                DISCORD_TOKEN=TOKEN,
                DISCORD_API_BASE=discord.api_base,
                DISCORD_GATEWAY_URL=discord.gateway_url,
                DISCORD_GUILD_IDS=str(discord_payloads.GUILD_ID),
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_APP_TOKEN=APP_TOKEN,
                SLACK_API_URL=slack.api_url,
            )
            async with bot_process("run", "--platform", "all", cwd=tmp_path, env=env) as process:
                async with asyncio.timeout(START_SECONDS):
                    await discord.wait_until(lambda: discord.identifies == 1 and discord.commands)
                    await slack.wait_until(lambda: bool(slack.sockets))
                interaction_id = discord.new_id()
                question = discord_payloads.slash(
                    "ask", [discord_payloads.string_option("question", "how do I install it?")]
                )
                await discord.dispatch(
                    "INTERACTION_CREATE",
                    discord_payloads.interaction(interaction_id, 2, question, discord_payloads.user()),
                )
                await slack.envelope(
                    "slash_commands", slack_payloads.slash("How do I get a role?", slack.response_url("r1"))
                )
                async with asyncio.timeout(START_SECONDS):
                    reply = await discord.wait_for_request("POST", CALLBACK.format(id=interaction_id))
                    await slack.wait_for("response_url")
                log = await terminate(process)
    finally:
        await discord.stop()

    assert process.returncode == 0, log[-2000:]
    assert reply.body["data"]["allowed_mentions"] == {"parse": []}
    for token in (TOKEN, BOT_TOKEN, APP_TOKEN):
        assert token not in log
    store = await open_store(load_settings(data_dir=tmp_path))
    try:
        platforms = sorted(row.platform for row in await store.questions())
    finally:
        await store.close()
    assert platforms == ["discord", "slack"], log[-3000:]  # one store for both, flushed on shutdown
