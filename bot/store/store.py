"""The store adapters record into: questions and picks are queued and written in the background, votes at once.

The store serves reports, not answers: while its database cannot be opened or written, the bot answers without it,
the store says it is degraded, keeps what is queued (up to a bound) and tries again, waiting 1 s, then 2 s, doubling
up to a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from bot.store.database import Database, Params
from bot.store.records import PickRow, Platform, QuestionEvent, QuestionRow, Scope, VoteRow
from bot.store.salt import hash_user

log = logging.getLogger(__name__)

PENDING_MAX = 10_000  # queued writes beyond this are dropped (and logged) rather than growing without bound
BATCH = 500
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 60.0
CLOSE_SECONDS = 2.0  # the last writes at shutdown, within the 10 s a supervisor gives after SIGTERM
VOTE_SECONDS = 2.0  # a vote's write, within the 3 s Discord gives a button to answer
PRUNE_EVERY_SECONDS = 6 * 3600
DAY = 86400


def days_ago(days: float, now: float | None = None) -> float:
    """The time `days` before `now` (this moment by default): where the retention, or a report's period, starts."""
    return (time.time() if now is None else now) - days * DAY


INSERT_QUESTION = (
    "INSERT INTO questions (id, asked_at, platform, guild, channel, user_hash, question, card, score, outcome) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
INSERT_PICK = "INSERT INTO picks (id, question_id, card, picked_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
INSERT_VOTE = (
    "INSERT INTO votes (question_id, user_hash, card, helpful, reason, voted_at) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING"
)
QUESTION_COLUMNS = tuple("id asked_at platform guild channel user_hash question card score outcome".split())
VOTE_COLUMNS = tuple("question_id user_hash card helpful reason voted_at".split())
PICK_COLUMNS = tuple("question_id card picked_at".split())
REASON_MAX_CHARS = 1000


Opener = Callable[[], Awaitable[tuple[Database, bytes]]]  # an open, migrated database and the salt of user hashes


class StoreUnavailableError(RuntimeError):
    """The store cannot write just now (not open yet, degraded or closed): the record was not kept."""


def backoff() -> Iterator[float]:
    """The waits between tries: 1 s, doubling up to a minute."""
    delay = RETRY_FIRST_SECONDS
    while True:
        yield delay
        delay = min(delay * 2, RETRY_MAX_SECONDS)


def storable(text: str) -> str:
    """Text both databases accept: PostgreSQL refuses NUL characters, and neither can encode a lone surrogate (which
    JSON escapes can carry) as UTF-8. A surrogate pair is joined into its character; a lone one becomes U+FFFD."""
    text = text.replace("\x00", "")
    try:
        text.encode()
    except UnicodeEncodeError:
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


@dataclass(frozen=True)
class _User:
    """A user id in a queued row, hashed when the row is written: the salt is not loaded before the store opens."""

    platform: Platform
    user_id: str


@dataclass(frozen=True)
class _Write:
    sql: str
    params: Params

    @classmethod
    def of(cls, sql: str, *params: Any) -> _Write:
        """Every text made storable before it is queued: one bad character must not fail a batch."""
        return cls(sql, tuple(storable(param) if isinstance(param, str) else param for param in params))


def _text(value: str | int | None) -> str | None:
    return None if value is None else str(value)


def new_id() -> str:
    return uuid.uuid4().hex


class Store:
    """Made by `open_store(settings)` (open, or an error) or `start_store(settings)` (opened in the background, again
    and again while it cannot be); `close()` writes whatever is still queued."""

    def __init__(
        self,
        db: Database | None,
        salt: bytes | None,
        retention_days: int = 90,
        max_pending: int = PENDING_MAX,
        opener: Opener | None = None,
    ) -> None:
        """Either an open database and its salt, or None and an `opener` for `start()` to call until it succeeds."""
        self.db = db
        self._salt = salt
        self._opener = opener
        self._ok: bool | None = True if db is not None else None  # None: not tried yet
        self._opened = asyncio.Event()
        if db is not None:
            self._opened.set()
        self.retention_days = retention_days
        self._max_pending = max_pending
        self._pending: deque[_Write] = deque()
        self._wake = asyncio.Event()
        self._write_lock = asyncio.Lock()  # the queue is written by one transaction at a time
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False
        self.dropped = 0
        self.set_aside = 0

    async def start(self) -> None:
        """Open the database if need be, write the queue and prune, all in the background."""
        self._tasks = [
            asyncio.create_task(self._write_loop(), name="store-writer"),
            asyncio.create_task(self._prune_loop(), name="store-pruner"),
        ]

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def state(self) -> str:
        """What /healthz reports: "ok" while the database is open and writing, else "degraded"."""
        return "ok" if self._ok else "degraded"

    def user_hash(self, platform: Platform, user_id: str | int) -> str:
        if self._salt is None:
            raise StoreUnavailableError("the store is not open yet")
        return hash_user(self._salt, platform, storable(str(user_id)))

    def record_question(self, event: QuestionEvent) -> str:
        """The new record's id at once; the row is written in the background."""
        question_id = new_id()
        self._enqueue(
            _Write.of(
                INSERT_QUESTION,
                question_id,
                float(event.asked_at),
                event.platform,
                _text(event.guild),
                _text(event.channel),
                _User(event.platform, str(event.user_id)),
                event.question,
                event.card,
                float(event.score),
                event.outcome,
            )
        )
        return question_id

    def record_pick(self, question_id: str, card_id: str) -> None:
        """A "did you mean" suggestion the asker chose; written in the background."""
        self._enqueue(_Write.of(INSERT_PICK, new_id(), question_id, card_id, time.time()))

    async def record_vote(
        self,
        question_id: str,
        user_id: str | int,
        card_id: str,
        helpful: bool,
        reason: str | None = None,
        platform: Platform = "discord",
    ) -> bool:
        """Durable once it returns: True for a new vote, False when this user already voted on this card.

        Its transaction holds the vote alone: the questions queued before it cannot make it fail. StoreUnavailableError
        when it cannot be written, at once while the store is degraded rather than keeping the voter waiting."""
        if self._closed or not self._ok or self.db is None:
            raise StoreUnavailableError(f"the store is {'closed' if self._closed else 'degraded'}")
        reason = (reason or "").strip()[:REASON_MAX_CHARS] or None
        user = _User(platform, str(user_id))
        vote = _Write.of(INSERT_VOTE, question_id, user, card_id, bool(helpful), reason, time.time())
        try:
            async with asyncio.timeout(VOTE_SECONDS), self.db.transaction() as tx:
                inserted = await tx.execute(vote.sql, self._bind(vote))
        except Exception as error:
            raise StoreUnavailableError(f"the vote could not be written ({type(error).__name__}: {error})") from error
        return inserted == 1

    def _enqueue(self, write: _Write) -> None:
        """Never raises and never waits: answering a question must not depend on the database."""
        if self._closed:
            log.warning("store closed: a record was not written")
            return
        if len(self._pending) >= self._max_pending:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.error("store falling behind: %d record(s) dropped so far", self.dropped)
            return
        self._pending.append(write)
        self._wake.set()

    def _take(self) -> list[_Write]:
        count = min(len(self._pending), BATCH)
        return [self._pending.popleft() for _ in range(count)]

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def flush(self) -> None:
        """Write everything queued so far, and wait for a write already under way."""
        if self.db is None:
            raise StoreUnavailableError("the store is not open yet")
        while True:
            async with self._write_lock:
                if not self._pending:
                    return
                await self._commit(self._take())

    async def _commit(self, batch: list[_Write]) -> None:
        """The batch in one transaction; when that fails, its rows one transaction each, so that one row the database
        refuses cannot hold back the others: such a row is set aside with a log line. When the database fails in any
        other way (down, full, damaged), the rows not written go back to the front of the queue."""
        written = 0
        try:
            if len(batch) > 1:
                with contextlib.suppress(Exception):
                    await self._transact(batch)
                    written = len(batch)
            for write in batch[written:]:
                try:
                    await self._transact([write])
                except Exception as error:
                    assert self.db is not None
                    if not self.db.refuses(error):
                        raise
                    self.set_aside += 1
                    table, record = write.sql.split()[2], write.params[0]
                    log.error("store set aside record %s for %s: the database refused it (%s)", record, table, error)
                written += 1
        finally:
            self._pending.extendleft(reversed(batch[written:]))

    async def _transact(self, writes: list[_Write]) -> None:
        """One transaction; one round trip for each run of writes of the same kind."""
        assert self.db is not None
        async with self.db.transaction() as tx:
            for sql, run in itertools.groupby(writes, key=lambda write: write.sql):
                await tx.execute_many(sql, [self._bind(write) for write in run])

    def _bind(self, write: _Write) -> Params:
        return tuple(self.user_hash(p.platform, p.user_id) if isinstance(p, _User) else p for p in write.params)

    async def _write_loop(self) -> None:
        """Open the database if it is not, then write whatever is queued as soon as there is some; after a failure,
        wait (see `backoff`) and try again."""
        waits = backoff()
        while True:
            try:
                if self.db is None:
                    await self._open()
                await self.flush()
            except Exception as error:
                self._degrade(error)
                wait = next(waits)
                log.debug("store still degraded (%s); next try in %g s", error, wait)
                await asyncio.sleep(wait)
                continue
            if not self._ok:
                log.info("store ok: recording%s", "" if self._ok is None else f" again, {self.dropped} dropped so far")
                self._ok = True
            waits = backoff()
            await self._wake.wait()
            self._wake.clear()

    async def _open(self) -> None:
        assert self._opener is not None  # a store made without a database is given the means to open one
        self.db, self._salt = await self._opener()
        self._opened.set()

    def _degrade(self, error: Exception) -> None:
        """One log line when the store stops working (or cannot start), none while it stays degraded."""
        if self._ok is not False:
            log.error(
                "store degraded (%s: %s): answering goes on; up to %d records are kept to write when it can, "
                "trying again after %g s, doubling up to %g s",
                type(error).__name__,
                error,
                self._max_pending,
                RETRY_FIRST_SECONDS,
                RETRY_MAX_SECONDS,
            )
        self._ok = False

    async def _prune_loop(self) -> None:
        while True:
            await self._opened.wait()
            try:
                await self.prune()
            except Exception:
                log.exception("pruning old records failed")
            await asyncio.sleep(PRUNE_EVERY_SECONDS)

    async def prune(self, now: float | None = None) -> int:
        """Delete rows older than the retention period (0 keeps everything); how many were deleted."""
        if self.retention_days <= 0:
            return 0
        cutoff = days_ago(self.retention_days, now)
        if self.db is None:
            raise StoreUnavailableError("the store is not open yet")
        async with self._write_lock, self.db.transaction() as tx:
            deleted = await tx.execute("DELETE FROM questions WHERE asked_at < ?", (cutoff,))
            deleted += await tx.execute("DELETE FROM votes WHERE voted_at < ?", (cutoff,))
            deleted += await tx.execute("DELETE FROM picks WHERE picked_at < ?", (cutoff,))
            deleted += await tx.execute("DELETE FROM learn_evidence WHERE given_at < ?", (cutoff,))
        if deleted:
            log.info("pruned %d record(s) older than %d days", deleted, self.retention_days)
        return deleted

    async def questions(self, since: float | None = None, scope: Scope | None = None) -> list[QuestionRow]:
        rows = await self._select("questions", QUESTION_COLUMNS, "asked_at", since, scope)
        return [QuestionRow(*row) for row in rows]

    async def votes(self, since: float | None = None, scope: Scope | None = None) -> list[VoteRow]:
        rows = await self._select("votes", VOTE_COLUMNS, "voted_at", since, scope)
        return [VoteRow(q, u, c, bool(h), r, t) for q, u, c, h, r, t in rows]

    async def picks(self, since: float | None = None, scope: Scope | None = None) -> list[PickRow]:
        rows = await self._select("picks", PICK_COLUMNS, "picked_at", since, scope)
        return [PickRow(*row) for row in rows]

    async def _select(
        self, table: str, columns: tuple[str, ...], column: str, since: float | None, scope: Scope | None
    ) -> list[tuple[Any, ...]]:
        """Rows since a time, oldest first, after writing what is queued so a report includes it. With a scope, only
        that community's: votes and picks belong to the community of the question they answer. StoreUnavailableError
        while the store is degraded: a report would miss what is waiting to be written."""
        if not self._ok or self.db is None:
            raise StoreUnavailableError("the store is degraded: the reports are back once it records again")
        await self.flush()
        sql = f"SELECT {', '.join(f'{table}.{name}' for name in columns)} FROM {table}"
        conditions: list[str] = []
        params: list[Any] = []
        if scope is not None:
            if table != "questions":
                sql += f" JOIN questions ON questions.id = {table}.question_id"
            conditions += ["questions.platform = ?", "questions.guild = ?"]
            params += [scope.platform, scope.guild]
        if since is not None:
            conditions.append(f"{table}.{column} >= ?")
            params.append(since)
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        return await self.db.fetch(f"{sql} ORDER BY {table}.{column}", params)

    async def close(self) -> None:
        """Stop the background tasks, write what is queued (opening the database first if it is not open: the stop
        may have come in the middle of the writer's try), close the database; CLOSE_SECONDS at most for the writes."""
        if self._closed:
            return
        self._closed = True
        # Cancelled inside a transaction, a task would leave it open on the connection (the database finishes the
        # statement it was given) and the final flush would fail: cancel only between transactions.
        async with self._write_lock:
            for task in self._tasks:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._pending:
            try:
                async with asyncio.timeout(CLOSE_SECONDS):
                    if self.db is None:
                        await self._open()
                    await self.flush()
            except Exception as error:
                log.error("store closing: %d record(s) not written (%s: %s)", self.pending, type(error).__name__, error)
        if self.db is not None:
            await self.db.close()
