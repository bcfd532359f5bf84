from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.store.database import Database, PostgresDatabase, SqliteDatabase
from bot.store.migrations import migrate
from bot.store.store import Store
from tests.store.postgres import fresh_database

SALT = b"test-salt"


OpenDatabase = Callable[[], Awaitable[Database]]


@pytest.fixture(params=["sqlite", "postgres"])
async def open_db(request: pytest.FixtureRequest, tmp_path: Path) -> OpenDatabase:
    """Opens (and reopens) one database of the backend under test; the test closes what it opens."""
    if request.param == "sqlite":
        path = tmp_path / "store.sqlite3"

        async def opener() -> Database:
            return await SqliteDatabase.open(path)
    else:
        url = await fresh_database(request.getfixturevalue("postgres_url"))

        async def opener() -> Database:
            return await PostgresDatabase.open(url)

    return opener


@pytest.fixture
async def store(open_db: OpenDatabase) -> AsyncIterator[Store]:
    db = await open_db()
    await migrate(db)
    store = Store(db, SALT, retention_days=90)
    await store.start()
    yield store
    await store.close()
