"""`python -m bot run` as a process: connects, answers, records, and exits 0 on SIGTERM without leaking the token."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.store import open_store
from tests.e2e.bot_process import bot_process, discord_env, terminate
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import CALLBACK, FIXTURE_KNOWLEDGE, TOKEN
from tests.e2e.fake_discord.server import FakeDiscord

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 30.0


async def test_sigterm_exits_cleanly_and_the_token_never_reaches_the_logs(tmp_path: Path) -> None:
    fake = FakeDiscord(TOKEN)
    await fake.start()
    env = discord_env(fake, tmp_path, [payloads.GUILD_ID], LOG_LEVEL="DEBUG")
    try:
        async with bot_process("run", cwd=tmp_path, env=env) as process:
            async with asyncio.timeout(START_SECONDS):
                await fake.wait_until(lambda: fake.identifies == 1 and fake.commands)
                interaction_id = fake.new_id()
                question = payloads.slash("ask", [payloads.string_option("question", "how do I install it?")])
                await fake.dispatch(
                    "INTERACTION_CREATE", payloads.interaction(interaction_id, 2, question, payloads.user())
                )
                await fake.wait_for_request("POST", CALLBACK.format(id=interaction_id))
            log = await terminate(process)
    finally:
        await fake.stop()

    assert process.returncode == 0, log[-2000:]
    assert "SIGTERM received" in log
    assert "question " in log  # the structured line for the question
    assert "WebSocket Event" in log  # debug logging really was on
    assert TOKEN not in log

    store = await open_store(load_settings(data_dir=tmp_path))
    try:
        assert len(await store.questions()) == 1  # flushed on shutdown
    finally:
        await store.close()


async def test_a_start_that_fails_after_the_store_opened_still_exits(tmp_path: Path) -> None:
    """A busy HTTP_PORT once left the store's database thread running: the process never exited."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DISCORD_", "DATABASE_"))}
        env.update(
            PYTHONPATH=str(REPO),
            DISCORD_TOKEN=TOKEN,
            KNOWLEDGE_DIR=str(FIXTURE_KNOWLEDGE),
            DATA_DIR=str(tmp_path),
            HTTP_HOST="127.0.0.1",
            HTTP_PORT=str(busy.getsockname()[1]),
        )
        async with bot_process("run", cwd=tmp_path, env=env) as process:
            async with asyncio.timeout(START_SECONDS):
                _, stderr = await process.communicate()
    assert process.returncode == 1
    assert "address already in use" in stderr.decode()
