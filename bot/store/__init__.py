"""Where questions, feedback votes and "did you mean" picks are kept, for the admins' reports.

`open_store(settings)` opens the database named by DATABASE_URL (SQLite in DATA_DIR by default), brings its schema
up to date and starts the background writer. User ids are only ever stored as salted hashes.
"""

from __future__ import annotations

from bot.settings import Settings
from bot.store.database import open_database
from bot.store.migrations import SchemaTooNewError, migrate
from bot.store.records import PickRow, Platform, QuestionEvent, QuestionRow, Scope, VoteRow
from bot.store.salt import load_salt
from bot.store.store import Store


async def open_store(settings: Settings) -> Store:
    url = settings.database_url.get_secret_value() if settings.database_url else None
    salt = settings.user_hash_salt.get_secret_value() if settings.user_hash_salt else None
    db = await open_database(url, settings.data_dir)
    try:
        await migrate(db)
        store = Store(db, load_salt(settings.data_dir, salt), settings.retention_days)
        await store.start()
    except BaseException:
        await db.close()
        raise
    return store


__all__ = [
    "PickRow",
    "Platform",
    "QuestionEvent",
    "QuestionRow",
    "SchemaTooNewError",
    "Scope",
    "Store",
    "VoteRow",
    "open_store",
]
