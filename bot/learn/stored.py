"""The store's live phrasings and voted-down questions, read for the command line's `ask`, `chat` and `explain`, so
they answer as the running bot does from the same store.

Read only: the database is opened as it is, never created, migrated or written, and with no salt (nothing is hashed),
so asking a question on the command line changes nothing a running bot relies on.
"""

from __future__ import annotations

import asyncio

from bot.learn.learned import Learned
from bot.learn.teacher import learned_in
from bot.settings import Settings
from bot.store import Store, StoreUnavailableError
from bot.store.database import open_to_read

READ_SECONDS = 5.0  # a PostgreSQL server out of reach must not hold up an answer for long


def stored_learning(settings: Settings) -> Learned:
    """What members taught the bot, as its teacher reads it from the store. StoreUnavailableError, saying why, when
    the store cannot be read within `READ_SECONDS` (a damaged file, a schema older than learned phrasings, PostgreSQL
    down or out of reach)."""

    async def read() -> Learned:
        url = settings.database_url.get_secret_value() if settings.database_url else None
        async with asyncio.timeout(READ_SECONDS):
            db = await open_to_read(url, settings.data_dir)
            async with Store(db, None, settings.retention_days) as store:  # never started: it only reads
                return await learned_in(store, settings.learn_min_users)

    try:
        return asyncio.run(read())
    except Exception as error:
        raise StoreUnavailableError(f"{type(error).__name__}: {error}") from error
