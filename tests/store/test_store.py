from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.settings import load_settings
from bot.store import QuestionEvent, Scope, Store, open_store
from bot.store.database import Database
from bot.store.migrations import migrate
from bot.store.store import DAY, INSERT_PICK
from tests.store.conftest import SALT, OpenDatabase


def event(question: str = "how do I get a role", user: int = 42, **changes: object) -> QuestionEvent:
    fields: dict[str, object] = {
        "platform": "discord",
        "user_id": user,
        "question": question,
        "card": "roles",
        "score": 80.0,
        "outcome": "answered",
        "guild": 7,
        "channel": 9,
    }
    fields.update(changes)
    return QuestionEvent(**fields)  # type: ignore[arg-type]


async def test_recording_a_question_returns_at_once_and_writes_in_the_background(store: Store) -> None:
    question_id = store.record_question(event())
    assert store.pending == 1  # queued, not written, when the call returns
    for _ in range(200):
        if store.pending == 0:
            break
        await asyncio.sleep(0.01)
    [row] = await store.db.fetch("SELECT id, question, card, guild, channel, platform FROM questions")
    assert row == (question_id, "how do I get a role", "roles", "7", "9", "discord")


async def test_close_writes_what_is_still_queued(open_db: OpenDatabase) -> None:
    db = await open_db()
    await migrate(db)
    store = Store(db, SALT)  # not started: nothing writes in the background
    ids = {store.record_question(event(f"question number {n}")) for n in range(50)}
    await store.close()

    db = await open_db()
    try:
        rows = await db.fetch("SELECT id FROM questions")
        assert {row[0] for row in rows} == ids
    finally:
        await db.close()


@pytest.mark.parametrize("turns", range(6))
async def test_closing_while_the_writer_is_inside_a_transaction_loses_nothing(
    open_db: OpenDatabase, turns: int
) -> None:
    db = await open_db()
    await migrate(db)
    store = Store(db, SALT)
    await store.start()
    ids = {store.record_question(event(f"question number {n}")) for n in range(20)}
    for _ in range(turns):  # let the writer get that far into its transaction before the shutdown
        await asyncio.sleep(0)
    await store.close()

    db = await open_db()
    try:
        rows = await db.fetch("SELECT id FROM questions")
        assert {row[0] for row in rows} == ids
    finally:
        await db.close()


async def test_user_ids_are_stored_only_as_salted_hashes(store: Store) -> None:
    store.record_question(event(user=123456789))
    await store.record_vote("q", 123456789, "roles", helpful=True)
    [question] = await store.questions()
    [vote] = await store.votes()
    assert "123456789" not in question.user_hash
    assert question.user_hash == vote.user_hash == store.user_hash("discord", 123456789)
    assert Store(store.db, b"another salt").user_hash("discord", 123456789) != question.user_hash


async def test_a_user_votes_once_per_card(store: Store) -> None:
    first = store.record_question(event())
    second = store.record_question(event("how do roles work"))
    assert await store.record_vote(first, 42, "roles", helpful=False, reason="  out of date  ") is True
    assert await store.record_vote(second, 42, "roles", helpful=True) is False
    assert await store.record_vote(first, 43, "roles", helpful=True) is True
    assert await store.record_vote(first, 42, "rules", helpful=True) is True
    votes = {(vote.user_hash, vote.card): vote for vote in await store.votes()}
    mine = votes[(store.user_hash("discord", 42), "roles")]
    assert (mine.question_id, mine.helpful, mine.reason) == (first, False, "out of date")
    assert len(votes) == 3


async def test_a_vote_commits_alone_whatever_is_queued(open_db: OpenDatabase) -> None:
    db = await open_db()
    await migrate(db)
    store = Store(Failing(db, refuse), SALT)  # no background writer: the queue stays as it is
    store.record_question(event(REFUSED))
    question_id = store.record_question(event())
    assert await store.record_vote(question_id, 42, "roles", helpful=True) is True
    assert store.pending == 2  # the vote carried none of the queue, so the refused row could not fail it
    assert [(vote.question_id, vote.card) for vote in await Store(db, SALT).votes()] == [(question_id, "roles")]
    await store.close()


async def test_text_that_cannot_be_stored_is_cleaned_before_it_is_queued(store: Store) -> None:
    """PostgreSQL refuses NUL; neither database takes a lone surrogate. Such a row used to fail its batch forever."""
    bad = store.record_question(event("nul\x00 here \ud800 and a pair \ud83d\ude00", guild="g\x00", channel="c\udfff"))
    good = store.record_question(event("a later question"))
    assert await store.record_vote(bad, "u\udc80", "roles\x00", helpful=False, reason="no\x00 \ud800") is True
    store.record_pick("q\x00", "rules\udfff")
    rows = {row.id: row for row in await store.questions()}
    assert set(rows) == {bad, good}
    assert (rows[bad].question, rows[bad].guild, rows[bad].channel) == ("nul here \ufffd and a pair 😀", "g", "c\ufffd")
    [vote] = await store.votes()
    assert (vote.card, vote.reason, vote.user_hash) == ("roles", "no \ufffd", store.user_hash("discord", "u\ufffd"))
    assert [(pick.question_id, pick.card) for pick in await store.picks()] == [("q", "rules\ufffd")]


async def test_the_database_tells_a_row_it_refuses_from_its_own_failure(open_db: OpenDatabase) -> None:
    """Only a refused row is set aside: a full disk or a lost server keeps every row queued."""
    db = await open_db()
    await migrate(db)
    errors = []
    for text in ("lone \ud800", "nul \x00"):  # as an adapter could pass them, before storable()
        try:
            async with db.transaction() as tx:
                await tx.execute(INSERT_PICK, (text, "q", "roles", 0.0))
        except Exception as error:
            errors.append(error)
    try:
        assert errors  # a lone surrogate on both, NUL too on PostgreSQL
        assert all(db.refuses(error) for error in errors), errors
        assert not db.refuses(ConnectionError("server closed the connection"))
        assert not db.refuses(OSError(28, "No space left on device"))
        assert not db.refuses(sqlite3.OperationalError("database or disk is full"))
    finally:
        await db.close()


async def test_a_row_the_database_refuses_is_set_aside_and_the_rest_written(
    open_db: OpenDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    db = await open_db()
    await migrate(db)
    store = Store(Failing(db, refuse), SALT)
    before = store.record_question(event("before"))
    refused = store.record_question(event(REFUSED))
    after = store.record_question(event("after"))
    await store.flush()
    assert (store.pending, store.set_aside) == (0, 1)
    assert {row.id for row in await store.questions()} == {before, after}
    assert f"store set aside record {refused} for questions" in caplog.text
    store.record_question(event("and the next batch"))
    await store.flush()
    assert len(await store.questions()) == 3
    await store.close()


async def test_retention_prunes_only_old_rows(store: Store) -> None:
    now = time.time()
    store.record_question(event("an old question", asked_at=now - 91 * DAY))
    recent = store.record_question(event("a recent question", asked_at=now - 89 * DAY))
    await store.flush()
    deleted = await store.prune(now)
    assert deleted == 1
    assert [row.id for row in await store.questions()] == [recent]


async def test_zero_retention_keeps_everything(store: Store) -> None:
    store.retention_days = 0
    store.record_question(event(asked_at=time.time() - 5000 * DAY))
    await store.flush()
    assert await store.prune() == 0
    assert len(await store.questions()) == 1


async def test_a_full_queue_drops_records_instead_of_blocking(open_db: OpenDatabase) -> None:
    db = await open_db()
    await migrate(db)
    store = Store(db, SALT, max_pending=3)
    for n in range(5):
        store.record_question(event(f"question {n}"))
    assert (store.pending, store.dropped) == (3, 2)
    await store.close()


async def test_reports_read_questions_since_a_time(store: Store) -> None:
    now = time.time()
    store.record_question(event("last month", asked_at=now - 30 * DAY))
    store.record_question(event("yesterday", asked_at=now - DAY))
    assert [row.question for row in await store.questions(since=now - 7 * DAY)] == ["yesterday"]
    assert [row.question for row in await store.questions()] == ["last month", "yesterday"]


async def test_a_scope_reads_one_communitys_questions_and_the_votes_and_picks_on_them(store: Store) -> None:
    here = store.record_question(event("asked here", guild=7))
    others = [
        store.record_question(event("asked in another server", guild=8)),
        store.record_question(event("asked in a direct message", guild=None)),
        store.record_question(event("asked in a Slack workspace of the same id", platform="slack", guild="7")),
    ]
    for user, question_id in enumerate([here, *others]):
        assert await store.record_vote(question_id, user, "roles", helpful=True)
        store.record_pick(question_id, "rules")
    scope = Scope("discord", "7")
    assert [row.question for row in await store.questions(scope=scope)] == ["asked here"]
    assert [vote.question_id for vote in await store.votes(scope=scope)] == [here]
    assert [pick.question_id for pick in await store.picks(scope=scope)] == [here]
    assert await store.questions(since=time.time() + 1, scope=scope) == []
    assert (len(await store.questions()), len(await store.votes()), len(await store.picks())) == (4, 4, 4)


async def test_open_store_keeps_the_salt_across_restarts(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, database_url=None, user_hash_salt=None)
    first = await open_store(settings)
    hashed = first.user_hash("slack", "U123")
    await first.close()
    again = await open_store(settings)
    try:
        assert again.user_hash("slack", "U123") == hashed
        assert (tmp_path / "faqbot.sqlite3").is_file()
    finally:
        await again.close()


REFUSED = "a question this database refuses"


def refuse(sql: str, rows: Any) -> None:
    """As PostgreSQL refuses a NUL character: any row holding REFUSED."""
    if any(REFUSED in params for params in rows):
        raise ValueError("invalid byte sequence for encoding UTF8")


def full(sql: str, rows: Any) -> None:
    """As SQLite on a full disk: no new row, though a row rewritten in place may still fit."""
    if sql.startswith("INSERT"):
        raise sqlite3.OperationalError("database or disk is full")


class Failing:
    """A database whose statements pass through `fail(sql, rows)` first."""

    def __init__(self, db: Database, fail: Callable[[str, Any], None]) -> None:
        self.db = db
        self.fail = fail

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        async with self.db.transaction() as tx:
            yield FailingTransaction(tx, self.fail)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


class FailingTransaction:
    def __init__(self, tx: Any, fail: Callable[[str, Any], None]) -> None:
        self.tx = tx
        self.fail = fail

    async def execute(self, sql: str, params: Any = ()) -> int:
        self.fail(sql, [params])
        return await self.tx.execute(sql, params)

    async def execute_many(self, sql: str, rows: Any) -> None:
        self.fail(sql, rows)
        await self.tx.execute_many(sql, rows)

    async def fetch(self, sql: str, params: Any = ()) -> Any:
        return await self.tx.fetch(sql, params)


class Down:
    """A database that fails every transaction while `down`, as when PostgreSQL restarts under the bot."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.down = True

    def transaction(self) -> Any:
        if self.down:
            raise ConnectionError("server closed the connection")
        return self.db.transaction()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


async def test_a_full_disk_sets_no_row_aside(open_db: OpenDatabase) -> None:
    db = await open_db()
    await migrate(db)
    store = Store(Failing(db, full), SALT)
    store.record_question(event())
    store.record_pick("q", "roles")
    with pytest.raises(sqlite3.OperationalError):
        await store.flush()
    assert (store.pending, store.set_aside) == (2, 0)  # kept for when there is room again
    await store.close()


async def test_a_failed_write_keeps_the_records_for_the_next_try(open_db: OpenDatabase) -> None:
    db = await open_db()
    await migrate(db)
    failing = Down(db)
    store = Store(failing, SALT)
    ids = [store.record_question(event(f"question {n}")) for n in range(3)]
    with pytest.raises(ConnectionError):
        await store.flush()
    assert (store.pending, store.set_aside) == (3, 0)  # the database failed, not the rows: none is set aside
    failing.down = False
    await store.flush()
    assert sorted(row.id for row in await store.questions()) == sorted(ids)
    await store.close()


async def test_a_vote_that_times_out_in_begin_leaves_the_sqlite_store_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await open_store(load_settings(data_dir=tmp_path, database_url=None))
    question_id = store.record_question(QuestionEvent("discord", 1, "how do roles work", "roles", 50.0, "answered"))
    await store.flush()
    monkeypatch.setattr("bot.store.store.VOTE_SECONDS", 0.1)
    # A long read on the same connection keeps its thread busy: the vote's BEGIN is cancelled while queued behind it.
    slow = asyncio.create_task(
        store.db.fetch(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000000) SELECT count(*) FROM c"
        )
    )
    await asyncio.sleep(0.01)
    with pytest.raises(Exception, match="could not be written"):
        await store.record_vote(question_id, 2, "roles", helpful=True)
    await slow
    monkeypatch.setattr("bot.store.store.VOTE_SECONDS", 2.0)
    assert await store.record_vote(question_id, 3, "roles", helpful=True)
    store.record_question(QuestionEvent("discord", 4, "and channels?", None, 10.0, "low_score"))
    await store.close()
    reopened = await open_store(load_settings(data_dir=tmp_path, database_url=None))
    assert [row.question for row in await reopened.questions()] == ["how do roles work", "and channels?"]
    await reopened.close()
