"""Bring a database to the schema this code expects, at start-up, in one transaction."""

from __future__ import annotations

import logging
import time

from bot.store.database import Database
from bot.store.schema import LATEST, MIGRATIONS, VERSION_TABLE

log = logging.getLogger(__name__)


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer version of the bot; running older code on it could lose data."""


async def schema_version(db: Database) -> int:
    async with db.transaction() as tx:
        await tx.execute(VERSION_TABLE)
        rows = await tx.fetch("SELECT MAX(version) FROM schema_version")
    return int(rows[0][0] or 0)


async def migrate(db: Database, target: int = LATEST) -> int:
    """Apply every missing migration up to `target`; the version the database is at afterwards."""
    async with db.transaction() as tx:
        await db.lock_schema(tx)
        await tx.execute(VERSION_TABLE)
        rows = await tx.fetch("SELECT MAX(version) FROM schema_version")
        current = int(rows[0][0] or 0)
        if current > LATEST:
            raise SchemaTooNewError(f"the database schema is at version {current}, newer than this bot's {LATEST}")
        for version in range(current + 1, target + 1):
            for statement in MIGRATIONS[version - 1]:
                await tx.execute(statement)
            await tx.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (version, time.time()))
    if target > current:
        log.info("database schema migrated from version %d to %d", current, target)
    return max(current, target)
