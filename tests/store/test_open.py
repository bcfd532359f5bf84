"""Opening the store: private files; a store that cannot open, or stops writing, is degraded and blocks nothing."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import stat
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.settings import Settings, load_settings
from bot.store import QuestionEvent, Store, StoreUnavailableError, open_store, opener, start_store
from bot.store import store as store_module
from bot.store.database import Database, SqliteDatabase
from bot.store.migrations import migrate
from bot.store.store import backoff
from tests.conftest import FIXTURE_KNOWLEDGE
from tests.store.conftest import SALT, OpenDatabase
from tests.store.test_store import Down

THREAD_EXIT_SECONDS = 5.0


@pytest.fixture
def umask() -> Iterator[None]:
    """The usual umask, which leaves new files readable by everyone."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask")
async def test_the_data_folder_database_and_salt_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = await open_store(load_settings(data_dir=data, database_url=None, user_hash_salt=None))
    try:
        await store.record_vote("q", 1, "roles", helpful=True)  # a write: the -wal and -shm files exist now
        files = {path.name: mode(path) for path in data.iterdir()}
    finally:
        await store.close()
    assert mode(data) == 0o700
    assert files == {
        "faqbot.sqlite3": 0o600,
        "faqbot.sqlite3-wal": 0o600,
        "faqbot.sqlite3-shm": 0o600,
        "user-hash-salt": 0o600,
    }


async def test_a_damaged_file_fails_to_open_and_leaves_no_thread_running(tmp_path: Path) -> None:
    """aiosqlite's thread is not a daemon: left running, it keeps the process from exiting."""
    path = tmp_path / "faqbot.sqlite3"
    path.write_bytes(b"this is not a database\n" * 200)
    before = set(threading.enumerate())
    with pytest.raises(Exception, match="not a database"):
        await SqliteDatabase.open(path)
    for thread in set(threading.enumerate()) - before:
        thread.join(THREAD_EXIT_SECONDS)
        assert not thread.is_alive(), f"{thread.name} still running"


GARBAGE = b"this is not a database\n" * 200
FAULTS = ["damaged file", "folder under a file", "postgresql down"]


def faulty(fault: str, tmp_path: Path, port: int) -> Settings:
    """Settings whose store cannot open. A read-only folder stops no one running as root (as tests may): a data
    folder under a regular file fails the same way for everyone."""
    if fault == "damaged file":
        (tmp_path / "faqbot.sqlite3").write_bytes(GARBAGE)
        return load_settings(data_dir=tmp_path, database_url=None, user_hash_salt=None)
    if fault == "folder under a file":
        (tmp_path / "file").write_text("a file, not a folder\n")
        return load_settings(data_dir=tmp_path / "file" / "data", database_url=None, user_hash_salt=None)
    url = f"postgresql://faqbot@127.0.0.1:{port}/faqbot"  # nothing listens there
    return load_settings(data_dir=tmp_path, database_url=url, user_hash_salt=None)


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {seconds} s")
        await asyncio.sleep(0.01)


def lines(caplog: pytest.LogCaptureFixture, start: str) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.getMessage().startswith(start)]


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "RETRY_FIRST_SECONDS", 0.01)


def test_retries_wait_one_second_doubling_up_to_a_minute() -> None:
    assert list(itertools.islice(backoff(), 9)) == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.usefixtures("quick_retries")
@pytest.mark.parametrize("fault", FAULTS)
async def test_a_store_that_cannot_open_is_degraded_and_blocks_nothing(
    fault: str, tmp_path: Path, unused_tcp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.store")
    before = set(threading.enumerate())
    store = await start_store(faulty(fault, tmp_path, unused_tcp_port))
    try:
        await until(lambda: len(lines(caplog, "store still degraded")) >= 3)  # tried again and again
        assert store.state == "degraded"
        [line] = lines(caplog, "store degraded")  # one line for the change, none for each try
        assert "answering goes on" in line
        question_id = store.record_question(QuestionEvent("discord", 1, "how do roles work", None, 9.0, "low_score"))
        assert store.pending == 1  # kept for later, at once
        with pytest.raises(StoreUnavailableError):
            await store.record_vote(question_id, 1, "roles", helpful=True)
    finally:
        await store.close()
    for thread in set(threading.enumerate()) - before:
        thread.join(THREAD_EXIT_SECONDS)
        assert not thread.is_alive(), f"{thread.name} still running: the process could not exit"


@pytest.mark.usefixtures("quick_retries")
async def test_the_store_opens_once_it_can_and_writes_what_it_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.store")
    store = await start_store(faulty("damaged file", tmp_path, 0))
    try:
        await until(lambda: bool(lines(caplog, "store degraded")))
        kept = store.record_question(QuestionEvent("slack", "U1", "is there a meetup", None, 9.0, "low_score"))
        (tmp_path / "faqbot.sqlite3").unlink()  # an operator moves the damaged file away
        await until(lambda: store.state == "ok")
        assert [row.id for row in await store.questions()] == [kept]
        assert await store.record_vote(kept, "U1", "events", helpful=True, platform="slack") is True
    finally:
        await store.close()
    assert len(lines(caplog, "store degraded")) == 1
    assert lines(caplog, "store ok") == ["store ok: recording again, 0 dropped so far"]


@pytest.mark.usefixtures("quick_retries")
async def test_a_database_lost_while_running_degrades_the_store_until_it_is_back(
    open_db: OpenDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.store")
    db = await open_db()
    await migrate(db)
    failing = Down(db)
    failing.down = False
    store = Store(failing, SALT)
    await store.start()
    try:
        assert store.state == "ok"
        failing.down = True
        kept = store.record_question(QuestionEvent("discord", 1, "how do roles work", None, 9.0, "low_score"))
        await until(lambda: store.state == "degraded")
        with pytest.raises(StoreUnavailableError):  # at once: the voter is not kept waiting
            await store.record_vote(kept, 1, "roles", helpful=True)
        failing.down = False
        await until(lambda: store.state == "ok")
        assert [row.id for row in await store.questions()] == [kept]
    finally:
        await store.close()
    assert (len(lines(caplog, "store degraded")), len(lines(caplog, "store ok"))) == (1, 1)


async def test_a_stop_while_the_store_is_still_opening_writes_what_was_queued(tmp_path: Path) -> None:
    """SIGTERM soon after the start: the writer is cancelled in the middle of opening; close() opens it itself."""
    settings = load_settings(data_dir=tmp_path, database_url=None, user_hash_salt=None)
    calls = 0

    async def slow_first_time() -> tuple[Database, bytes]:
        nonlocal calls
        calls += 1
        if calls == 1:
            await asyncio.Event().wait()  # an open that has not finished when the stop comes
        return await opener(settings)()

    store = Store(None, None, opener=slow_first_time)
    await store.start()
    question_id = store.record_question(QuestionEvent("discord", 1, "how do roles work", None, 9.0, "low_score"))
    await until(lambda: calls == 1)
    await store.close()

    store = await open_store(settings)
    try:
        assert [row.id for row in await store.questions()] == [question_id]
    finally:
        await store.close()


def test_a_report_on_a_damaged_store_is_one_line_and_an_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to be a traceback, and a process that never exited."""
    (tmp_path / "faqbot.sqlite3").write_bytes(GARBAGE)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KNOWLEDGE_DIR", str(FIXTURE_KNOWLEDGE))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["report", "stats"]) == 1
    assert capsys.readouterr().err == (
        "cannot read the store (DATABASE_URL / DATA_DIR): DatabaseError: file is not a database\n"
    )


class Hanging:
    """A database that never answers, as PostgreSQL behind a network that drops every packet."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        await asyncio.Event().wait()
        yield None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


async def test_closing_over_a_database_that_never_answers_takes_a_bounded_time(
    open_db: OpenDatabase, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A supervisor sends SIGKILL 10 s after SIGTERM: the store's last writes must not use all of it."""
    monkeypatch.setattr(store_module, "CLOSE_SECONDS", 0.05)
    db = await open_db()
    await migrate(db)
    store = Store(Hanging(db), SALT)
    store.record_question(QuestionEvent("discord", 1, "how do roles work", None, 9.0, "low_score"))
    async with asyncio.timeout(THREAD_EXIT_SECONDS):
        await store.close()
    assert "store closing: 1 record(s) not written (TimeoutError" in caplog.text


async def test_a_vote_over_a_database_that_never_answers_is_refused_in_time(
    open_db: OpenDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Discord gives a button 3 s to answer: past that the voter sees "interaction failed", not our reply."""
    monkeypatch.setattr(store_module, "VOTE_SECONDS", 0.05)
    db = await open_db()
    await migrate(db)
    store = Store(Hanging(db), SALT)
    try:
        async with asyncio.timeout(THREAD_EXIT_SECONDS):
            with pytest.raises(StoreUnavailableError, match="TimeoutError"):
                await store.record_vote("q", 1, "roles", helpful=True)
    finally:
        await store.close()
