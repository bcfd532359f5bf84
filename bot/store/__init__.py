"""Where questions, feedback votes and "did you mean" picks are kept, for the admins' reports.

The database is named by DATABASE_URL (SQLite in DATA_DIR by default); opening it brings its schema up to date.
`open_store(settings)` opens it now or raises (reports); `start_store(settings)` returns at once and opens it in the
background, trying again while it cannot (the bot, which answers without it). User ids are only ever stored as
salted hashes.
"""

from __future__ import annotations

from bot.settings import Settings
from bot.store.database import Database, open_database
from bot.store.migrations import SchemaTooNewError, migrate
from bot.store.records import PickRow, Platform, QuestionEvent, QuestionRow, Scope, VoteRow
from bot.store.salt import SaltMismatchError, check_salt, load_salt
from bot.store.store import Opener, Store, StoreUnavailableError, days_ago


def opener(settings: Settings, reading: bool = False) -> Opener:
    """Opens the database of these settings, migrated, with the salt of the user hashes: the one the database was
    written with, unless only `reading` (a report hashes no user, so another salt is no reason to refuse it)."""
    url = settings.database_url.get_secret_value() if settings.database_url else None
    configured = settings.user_hash_salt.get_secret_value() if settings.user_hash_salt else None

    async def open_() -> tuple[Database, bytes]:
        salt = load_salt(settings.data_dir, configured)
        db = await open_database(url, settings.data_dir)
        try:
            await migrate(db)
            if not reading:
                await check_salt(db, salt)
        except BaseException:
            await db.close()
            raise
        return db, salt

    return open_


async def open_store(settings: Settings, reading: bool = False) -> Store:
    """The store, open; StoreUnavailableError, saying why, when its database cannot be opened. `reading`: for reports,
    from anywhere that can reach the database, whatever its salt."""
    try:
        db, salt = await opener(settings, reading)()
    except Exception as error:
        raise StoreUnavailableError(f"{type(error).__name__}: {error}") from error
    store = Store(db, salt, settings.retention_days)
    await store.start()
    return store


async def start_store(settings: Settings) -> Store:
    """The store at once, its database opened in the background (again and again while it cannot be)."""
    store = Store(None, None, settings.retention_days, opener=opener(settings))
    await store.start()
    return store


__all__ = [
    "PickRow",
    "Platform",
    "QuestionEvent",
    "QuestionRow",
    "SaltMismatchError",
    "SchemaTooNewError",
    "Scope",
    "Store",
    "StoreUnavailableError",
    "VoteRow",
    "days_ago",
    "open_store",
    "opener",
    "start_store",
]
