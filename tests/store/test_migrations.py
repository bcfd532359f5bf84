from __future__ import annotations

import time

import pytest

from bot.store.migrations import SchemaTooNewError, migrate, schema_version
from bot.store.schema import LATEST
from bot.store.store import Store
from tests.store.conftest import SALT, OpenDatabase


async def test_an_empty_database_is_migrated_to_the_latest_schema(open_db: OpenDatabase) -> None:
    db = await open_db()
    try:
        assert await schema_version(db) == 0
        assert await migrate(db) == LATEST
        assert await schema_version(db) == LATEST
        for table in ("questions", "votes", "picks"):
            assert await db.fetch(f"SELECT COUNT(*) FROM {table}") == [(0,)]
    finally:
        await db.close()


async def test_migrating_twice_changes_nothing(open_db: OpenDatabase) -> None:
    db = await open_db()
    try:
        await migrate(db)
        assert await migrate(db) == LATEST
        assert await db.fetch("SELECT COUNT(*) FROM schema_version") == [(LATEST,)]
    finally:
        await db.close()


async def test_the_previous_schema_is_migrated_keeping_its_rows(open_db: OpenDatabase) -> None:
    db = await open_db()
    await migrate(db, target=LATEST - 1)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO questions (id, asked_at, platform, guild, channel, user_hash, question, card, score, outcome)"
            " VALUES ('old', ?, 'discord', '1', '2', 'h', 'how do roles work', NULL, 12.5, 'low_score')",
            (time.time(),),
        )
        await tx.execute(
            "INSERT INTO votes (question_id, user_hash, card, helpful, reason, voted_at)"
            " VALUES ('old', 'h', 'roles', ?, NULL, ?)",
            (False, time.time()),
        )
    await db.close()

    db = await open_db()  # a restart with the new code
    assert await migrate(db) == LATEST
    store = Store(db, SALT)
    await store.start()
    try:
        [question] = await store.questions()
        assert (question.id, question.question, question.outcome, question.score) == (
            "old",
            "how do roles work",
            "low_score",
            12.5,
        )
        [vote] = await store.votes()
        assert (vote.question_id, vote.card, vote.helpful) == ("old", "roles", False)
        store.record_pick("old", "roles")  # the table the new schema added
        assert [(pick.question_id, pick.card) for pick in await store.picks()] == [("old", "roles")]
    finally:
        await store.close()


async def test_a_schema_newer_than_the_code_is_refused(open_db: OpenDatabase) -> None:
    db = await open_db()
    try:
        await migrate(db)
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (LATEST + 1, 0.0))
        with pytest.raises(SchemaTooNewError, match="newer"):
            await migrate(db)
    finally:
        await db.close()
