"""Opening the store: private files, and a failed open that leaves nothing behind."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.store import open_store
from bot.store.database import SqliteDatabase

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
