"""A vote the user saw acknowledged survives the process being killed right after (SIGKILL, no clean-up)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.store import open_store
from tests.store.postgres import fresh_database

CHILD = textwrap.dedent(
    """
    import asyncio, sys, time
    from bot.settings import load_settings
    from bot.store import QuestionEvent, open_store

    async def main():
        store = await open_store(load_settings())
        question_id = store.record_question(
            QuestionEvent("discord", 42, "is there a meetup", None, 40.0, "low_score"))
        helpful = await store.record_vote(question_id, 42, "events", helpful=False, reason="no dates")
        print("acked", question_id, helpful, flush=True)
        time.sleep(60)  # killed here: no close(), no flush, no clean-up of any kind

    asyncio.run(main())
    """
)
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_an_acknowledged_vote_survives_sigkill(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": "", "USER_HASH_SALT": ""}
    if backend == "postgres":
        env["DATABASE_URL"] = await fresh_database(request.getfixturevalue("postgres_url"))
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None
    assert child.stderr is not None
    try:
        line = (await asyncio.wait_for(child.stdout.readline(), timeout=60)).decode()
        child.send_signal(signal.SIGKILL)
        await asyncio.wait_for(child.wait(), timeout=10)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    if not line.startswith("acked"):
        pytest.fail((await child.stderr.read()).decode()[-2000:])
    _, question_id, new_vote = line.split()
    assert child.returncode == -signal.SIGKILL
    assert new_vote == "True"

    settings = load_settings(data_dir=tmp_path, database_url=env["DATABASE_URL"] or None, user_hash_salt=None)
    store = await open_store(settings)
    try:
        [vote] = await store.votes()
        assert (vote.question_id, vote.card, vote.helpful, vote.reason) == (question_id, "events", False, "no dates")
        assert vote.user_hash == store.user_hash("discord", 42)
        assert [question.id for question in await store.questions()] == [question_id]
    finally:
        await store.close()
