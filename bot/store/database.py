"""The two databases the store runs on, behind one small interface: SQLite (one file, default) and PostgreSQL.

SQL is written once with `?` placeholders; the PostgreSQL side numbers them.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sqlite3
import urllib.parse
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import aiosqlite

Params = Sequence[Any]
SQLITE_FILE = "faqbot.sqlite3"
SQLITE_MEMORY = ":memory:"
SQLITE_BUSY_MS = 5000
POOL_SIZE = 4
MIGRATION_LOCK_KEY = 0x66617162  # any constant shared by every process that migrates the same PostgreSQL database


class Transaction(Protocol):
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""

    async def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        """Run one statement for each row, in one round trip to the database's thread or server."""

    async def fetch(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]: ...


class Database(Protocol):
    def transaction(self) -> Any:
        """An async context manager yielding a Transaction: committed on exit, rolled back on error."""

    async def fetch(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]: ...

    async def lock_schema(self, tx: Transaction) -> None:
        """Keep other processes from migrating at the same time, until `tx` ends."""

    def refuses(self, error: Exception) -> bool:
        """Whether `error` is the database refusing the row it was given (a value it cannot take, a constraint),
        rather than failing whatever the row (down, full, damaged, locked)."""

    async def close(self) -> None: ...


class _SqliteTransaction:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self._connection.execute(sql, params)
        return cursor.rowcount

    async def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        await self._connection.executemany(sql, rows)

    async def fetch(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        async with self._connection.execute(sql, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]


class SqliteDatabase:
    """One connection in WAL mode with full sync: a committed transaction survives the process being killed."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()  # one connection: one transaction at a time
        self.path = path

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        """A new file is readable by its owner alone, and so are its -wal and -shm files (SQLite gives them the
        database's mode). A connection that fails to open (a damaged file, a full disk) is closed: its thread would
        keep the process from ever exiting."""
        if str(path) != SQLITE_MEMORY:
            make_folder(path.parent)
            os.close(os.open(path, os.O_RDONLY | os.O_CREAT, 0o600))  # creates it if missing, changes nothing else
        connection = await aiosqlite.connect(path, isolation_level=None)
        try:
            for pragma in ("journal_mode=WAL", "synchronous=FULL", f"busy_timeout={SQLITE_BUSY_MS}"):
                await connection.execute(f"PRAGMA {pragma}")
        except BaseException:
            await connection.close()
            raise
        return cls(connection, path)

    @classmethod
    async def open_to_read(cls, path: Path) -> SqliteDatabase:
        """The file as it is, read-only: nothing created, migrated or written (the command line reads the running
        bot's database beside it)."""
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"  # "?" or "#" in a folder's name stays part of the path
        connection = await aiosqlite.connect(uri, uri=True, isolation_level=None)
        try:
            await connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        except BaseException:
            await connection.close()
            raise
        return cls(connection, path)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_SqliteTransaction]:
        async with self._lock:
            # A caller cancelled while BEGIN ran (a vote's timeout) leaves the connection in that transaction once
            # the statement finishes in its thread: roll it back, or every later BEGIN would fail.
            if self._connection.in_transaction:
                await self._connection.execute("ROLLBACK")
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTransaction(self._connection)
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            await self._connection.execute("COMMIT")

    async def fetch(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return await _SqliteTransaction(self._connection).fetch(sql, params)

    async def lock_schema(self, tx: Transaction) -> None:
        """BEGIN IMMEDIATE already holds the database's write lock."""

    def refuses(self, error: Exception) -> bool:
        """A value Python cannot bind (a lone surrogate), or a constraint; a full disk is an OperationalError."""
        return isinstance(error, (ValueError, sqlite3.IntegrityError, sqlite3.DataError))

    async def close(self) -> None:
        await self._connection.close()


@lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    counter = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


def _rowcount(status: str) -> int:
    """asyncpg reports `INSERT 0 1`, `DELETE 3`, `CREATE TABLE`: the count is the last number, if any."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _PostgresTransaction:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Params = ()) -> int:
        return _rowcount(await self._connection.execute(_numbered(sql), *params))

    async def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
        await self._connection.executemany(_numbered(sql), rows)

    async def fetch(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in await self._connection.fetch(_numbered(sql), *params)]


class PostgresDatabase:
    """A small connection pool: several bot processes (shards) can share one PostgreSQL database."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    @classmethod
    async def open(cls, url: str) -> PostgresDatabase:
        try:
            import asyncpg
        except ImportError as exc:
            raise RuntimeError(
                "DATABASE_URL is a PostgreSQL URL: install the extra with `pip install faqbot[postgres]`"
            ) from exc
        return cls(await asyncpg.create_pool(url, min_size=1, max_size=POOL_SIZE))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_PostgresTransaction]:
        async with self._pool.acquire() as connection, connection.transaction():
            yield _PostgresTransaction(connection)

    async def fetch(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        async with self._pool.acquire() as connection:
            return await _PostgresTransaction(connection).fetch(sql, params)

    async def lock_schema(self, tx: Transaction) -> None:
        await tx.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK_KEY,))

    def refuses(self, error: Exception) -> bool:
        """A value asyncpg cannot encode, or SQLSTATE class 22 (data: a NUL character) or 23 (a constraint)."""
        import asyncpg

        return isinstance(error, (ValueError, asyncpg.DataError, asyncpg.IntegrityConstraintViolationError))

    async def close(self) -> None:
        await self._pool.close()


def make_folder(path: Path) -> None:
    """A folder the store makes is open to its owner alone: it holds the records and the salt of the user hashes."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def sqlite_path(url: str | None, data_dir: Path) -> Path:
    """`sqlite:///relative/file` or `sqlite:////absolute/file`; no URL means the file in DATA_DIR."""
    if url is None:
        return data_dir / SQLITE_FILE
    return Path(url.removeprefix("sqlite:///"))


async def open_database(url: str | None, data_dir: Path) -> Database:
    if url is not None and is_postgres(url):
        return await PostgresDatabase.open(url)
    return await SqliteDatabase.open(sqlite_path(url, data_dir))


async def open_to_read(url: str | None, data_dir: Path) -> Database:
    """The database to read from as it is: unlike `open_database`, no SQLite file is created, and nothing is written
    (the caller migrates nothing either)."""
    if url is not None and is_postgres(url):
        return await PostgresDatabase.open(url)
    return await SqliteDatabase.open_to_read(sqlite_path(url, data_dir))
