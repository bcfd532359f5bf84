"""What survives the process being killed (SIGKILL, no clean-up): an acknowledged vote, and, while the bot answers
as fast as it can, every question answered more than a second before."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.settings import Settings, load_settings
from bot.store import open_store
from tests.conftest import FIXTURE_KNOWLEDGE
from tests.store.postgres import fresh_database

VOTE = textwrap.dedent(
    """
    import asyncio, sys, time
    from bot.settings import Settings, load_settings
    from bot.store import open_store

    async def main():
        store = await open_store(load_settings())
        helpful = await store.record_vote("q1", 42, "events", helpful=False, reason="no dates")
        print("acked", helpful, flush=True)
        time.sleep(60)  # killed here: no close(), no flush, nothing else runs

    asyncio.run(main())
    """
)
ASKED = 5000
QUESTIONS = textwrap.dedent(
    """
    import asyncio, sys
    from bot.answering import Answerer, Asker
    from bot.holder import EngineHolder
    from bot.settings import load_settings
    from bot.store import open_store

    async def main():
        settings = load_settings(cooldown_burst=10**9)
        holder = EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin)
        answerer = Answerer(holder, settings, "discord", await open_store(settings))
        for n in range(10**6):  # answered as fast as the engine goes, in the loop the writer shares, until killed
            await answerer.ask(f"how do I get a role {n}", Asker(n, 1, 2, "ask"))
            if n == ASKED:
                print("asked", flush=True)
            await asyncio.sleep(0)  # no close(), ever

    asyncio.run(main())
    """
).replace("ASKED", str(ASKED))
ROOT = Path(__file__).resolve().parents[2]
WRITTEN_WITHIN_SECONDS = 1.5


@asynccontextmanager
async def child(code: str, env: dict[str, str]) -> AsyncIterator[str]:
    """Runs `code`, yields its first line of output, then kills it with SIGKILL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=60)).decode()
        if not line:
            pytest.fail((await process.stderr.read()).decode()[-2000:])
        yield line
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), timeout=10)
        assert process.returncode == -signal.SIGKILL
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def environment(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": "", "USER_HASH_SALT": ""}
    env["KNOWLEDGE_DIR"] = str(FIXTURE_KNOWLEDGE)
    if backend == "postgres":
        env["DATABASE_URL"] = await fresh_database(request.getfixturevalue("postgres_url"))
    return env


def settings_of(env: dict[str, str], tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path, database_url=env["DATABASE_URL"] or None, user_hash_salt=None)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_an_acknowledged_vote_survives_sigkill(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = await environment(backend, tmp_path, request)
    async with child(VOTE, env) as line:
        assert line.split() == ["acked", "True"]

    store = await open_store(settings_of(env, tmp_path))
    try:
        [vote] = await store.votes()
        assert (vote.question_id, vote.card, vote.helpful, vote.reason) == ("q1", "events", False, "no dates")
        assert vote.user_hash == store.user_hash("discord", 42)
    finally:
        await store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_questions_are_written_within_a_second_while_the_bot_answers_flat_out(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = await environment(backend, tmp_path, request)
    reader = await open_store(settings_of(env, tmp_path))
    try:
        async with child(QUESTIONS, env) as line:
            assert line.strip() == "asked"
            deadline, count = time.monotonic() + WRITTEN_WITHIN_SECONDS, 0
            while time.monotonic() < deadline:
                [(count,)] = await reader.db.fetch("SELECT COUNT(*) FROM questions")
                if count > ASKED:
                    break
                await asyncio.sleep(0.05)
            assert count > ASKED, f"{count} of the first {ASKED + 1} written within {WRITTEN_WITHIN_SECONDS} s"
        assert len(await reader.questions()) > ASKED  # and still there after SIGKILL
    finally:
        await reader.close()
