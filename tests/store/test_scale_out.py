"""Several bot processes on one database: migrations run once, a vote counts once, the user-hash salt is shared."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import load_settings
from bot.store import SaltMismatchError, StoreUnavailableError, open_store
from bot.store.schema import LATEST
from tests.conftest import FIXTURE_KNOWLEDGE
from tests.store.postgres import fresh_database

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 30.0


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    return await fresh_database(request.getfixturevalue("postgres_url"))


async def test_two_processes_migrating_at_once_migrate_once(postgres_url: str) -> None:
    url = await fresh_database(postgres_url)
    pipes = {"stdin": asyncio.subprocess.PIPE, "stdout": asyncio.subprocess.PIPE, "stderr": asyncio.subprocess.PIPE}
    command = (sys.executable, "-m", "tests.store.migrating", url)
    children = [await asyncio.create_subprocess_exec(*command, cwd=REPO, **pipes) for _ in range(2)]
    async with asyncio.timeout(START_SECONDS):
        for child in children:  # both connected: neither can have migrated before the other started
            assert child.stdout is not None
            assert await child.stdout.readline() == b"open\n"
        outputs = await asyncio.gather(*(child.communicate(b"go\n") for child in children))
    logs = "".join(stderr.decode() for _, stderr in outputs)
    assert [child.returncode for child in children] == [0, 0], logs
    assert [stdout.decode().split() for stdout, _ in outputs] == [[str(LATEST)], [str(LATEST)]]
    assert logs.count(f"database schema migrated from version 0 to {LATEST}") == 1  # the other found it done

    store = await open_store(load_settings(database_url=url, user_hash_salt="salt"))
    try:
        versions = await store.db.fetch("SELECT version FROM schema_version ORDER BY version")
    finally:
        await store.close()
    assert versions == [(version,) for version in range(1, LATEST + 1)]


async def test_a_vote_cast_twice_through_two_stores_is_counted_once(database_url: str, tmp_path: Path) -> None:
    """Two processes, each with its DATA_DIR, sharing the salt as USER_HASH_SALT: one member's votes on one card, in
    two servers answered by two processes, are one vote."""
    settings = [
        load_settings(database_url=database_url, data_dir=tmp_path / name, user_hash_salt="shared")
        for name in ("first", "second")
    ]
    first, second = await open_store(settings[0]), await open_store(settings[1])
    try:
        assert await first.record_vote("q1", 42, "roles", helpful=True)
        assert not await second.record_vote("q2", 42, "roles", helpful=False)
        assert await second.record_vote("q2", 43, "roles", helpful=False)  # another member
        votes = await first.votes()
    finally:
        await first.close()
        await second.close()
    assert sorted((vote.question_id, vote.helpful) for vote in votes) == [("q1", True), ("q2", False)]


async def test_a_process_with_another_salt_is_refused(database_url: str, tmp_path: Path) -> None:
    """Its user hashes would differ: the same member's second vote would count again."""
    first = await open_store(load_settings(database_url=database_url, data_dir=tmp_path / "a"))
    await first.close()
    with pytest.raises(StoreUnavailableError, match="another salt") as refused:
        await open_store(load_settings(database_url=database_url, data_dir=tmp_path / "b"))
    assert isinstance(refused.value.__cause__, SaltMismatchError)
    again = await open_store(load_settings(database_url=database_url, data_dir=tmp_path / "a"))  # the salt it had
    await again.close()


def test_a_report_reads_the_store_whatever_its_salt(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An admin's `faqbot report` from another machine hashes no user: it is not refused for its salt."""

    async def vote() -> None:
        store = await open_store(load_settings(database_url=database_url, data_dir=tmp_path / "bot"))
        try:
            await store.record_vote("q1", 42, "roles", helpful=False)
        finally:
            await store.close()

    asyncio.run(vote())
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "laptop"))
    monkeypatch.setenv("KNOWLEDGE_DIR", str(FIXTURE_KNOWLEDGE))
    monkeypatch.delenv("USER_HASH_SALT", raising=False)
    assert main(["report", "feedback", "--json"]) == 0
    [card] = json.loads(capsys.readouterr().out)["cards"]
    assert (card["card"], card["helpful"], card["unhelpful"]) == ("roles", 0, 1)
