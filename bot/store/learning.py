"""The store's part of learned phrasings: evidence for and against a card per normalized question, and the
phrasings proposed from it.

Evidence is one row per question, card and user (a salted hash, as votes are): a user who changes their mind
changes their row, so one person never counts twice. Written at once in a transaction of its own, as a vote is.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.store.database import Database
from bot.store.store import Store, StoreUnavailableError, storable


class State(StrEnum):
    PROPOSED = "proposed"  # waiting for an admin
    LIVE = "live"  # matched as one of its card's phrasings
    REJECTED = "rejected"  # an admin said no: never proposed again
    WITHDRAWN = "withdrawn"  # a 👎 came after it was proposed
    EXPORTED = "exported"  # written into its card's file, which now holds it


# Which states an admin's decision may move a phrasing from.
DECIDABLE = {
    State.LIVE: (State.PROPOSED,),
    State.REJECTED: (State.PROPOSED, State.LIVE),
    State.EXPORTED: (State.LIVE,),
}

PHRASING_COLUMNS = "id, question_key, card, question, state, proposed_at, decided_at, decided_by"
GIVE_EVIDENCE = (
    "INSERT INTO learn_evidence (question_key, card, user_hash, helpful, question, given_at) VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (question_key, card, user_hash) DO UPDATE SET helpful = excluded.helpful, given_at = excluded.given_at"
)
TALLY = (
    "SELECT COALESCE(SUM(CASE WHEN helpful THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(CASE WHEN helpful THEN 0 ELSE 1 END), 0) FROM learn_evidence WHERE question_key = ? AND card = ?"
)
PROPOSE = (
    f"INSERT INTO learned_phrasings ({PHRASING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (question_key, card) DO NOTHING"
)
BLOCKED = (
    "SELECT question_key, card FROM learn_evidence GROUP BY question_key, card "
    "HAVING SUM(CASE WHEN helpful THEN 0 ELSE 1 END) >= ?"
)


@dataclass(frozen=True)
class Tally:
    """How many distinct users gave evidence for and against one card on one question."""

    helpful: int
    unhelpful: int


@dataclass(frozen=True)
class Phrasing:
    id: str
    key: str  # the question normalized, as the engine compares phrasings
    card: str
    question: str  # as first asked
    state: State
    proposed_at: float
    decided_at: float | None = None
    decided_by: str | None = None

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> Phrasing:
        id_, key, card, question, state, proposed_at, decided_at, decided_by = row
        return cls(id_, key, card, question, State(state), proposed_at, decided_at, decided_by)


def _db(store: Store) -> Database:
    if store.db is None or store.state != "ok":
        raise StoreUnavailableError(f"the store is {store.state}")
    return store.db


async def question_asked(store: Store, question_id: str) -> str | None:
    """The text of a recorded question, after writing what is queued (the question may be in the queue yet)."""
    db = _db(store)
    await store.flush()
    rows = await db.fetch("SELECT question FROM questions WHERE id = ?", (question_id,))
    return rows[0][0] if rows else None


async def give_evidence(store: Store, key: str, question: str, card: str, user_hash: str, helpful: bool) -> Tally:
    """Record one user's evidence (replacing theirs on the same question and card); the tally after it."""
    params = (storable(key), card, user_hash, bool(helpful), storable(question), time.time())
    async with _db(store).transaction() as tx:
        await tx.execute(GIVE_EVIDENCE, params)
        [(helpful_users, unhelpful_users)] = await tx.fetch(TALLY, (params[0], card))
    return Tally(int(helpful_users), int(unhelpful_users))


async def propose(store: Store, key: str, question: str, card: str, state: State) -> Phrasing | None:
    """A new phrasing in `state`; None when this question was already proposed for this card (whatever came of
    it: a rejected one is not proposed again)."""
    phrasing = Phrasing(secrets.token_hex(5), storable(key), card, storable(question), state, time.time())
    decided = (phrasing.proposed_at, "auto") if state is State.LIVE else (None, None)
    params = (*(getattr(phrasing, name) for name in ("id", "key", "card", "question")), state.value)
    async with _db(store).transaction() as tx:
        inserted = await tx.execute(PROPOSE, (*params, phrasing.proposed_at, *decided))
    return phrasing if inserted == 1 else None


async def withdraw(store: Store, key: str, card: str) -> int:
    """A proposal that has since had a 👎 is no longer offered; how many were withdrawn."""
    sql = "UPDATE learned_phrasings SET state = ?, decided_at = ? WHERE question_key = ? AND card = ? AND state = ?"
    async with _db(store).transaction() as tx:
        return await tx.execute(sql, (State.WITHDRAWN.value, time.time(), key, card, State.PROPOSED.value))


async def phrasings(store: Store, *states: State) -> list[Phrasing]:
    """The phrasings in these states, oldest first."""
    marks = ", ".join("?" for _ in states)
    sql = f"SELECT {PHRASING_COLUMNS} FROM learned_phrasings WHERE state IN ({marks}) ORDER BY proposed_at, id"
    return [Phrasing.of(row) for row in await _db(store).fetch(sql, [state.value for state in states])]


async def decide(store: Store, phrasing_id: str, state: State, by: str) -> Phrasing | None:
    """Move a phrasing to `state` (live, rejected or exported) if its state allows it; the phrasing as it is now,
    or None when there is no such phrasing or it was not in a state to move from."""
    allowed = [allowed.value for allowed in DECIDABLE[state]]
    marks = ", ".join("?" for _ in allowed)
    sql = f"UPDATE learned_phrasings SET state = ?, decided_at = ?, decided_by = ? WHERE id = ? AND state IN ({marks})"
    async with _db(store).transaction() as tx:
        changed = await tx.execute(sql, (state.value, time.time(), storable(by), phrasing_id, *allowed))
        rows = await tx.fetch(f"SELECT {PHRASING_COLUMNS} FROM learned_phrasings WHERE id = ?", (phrasing_id,))
    return Phrasing.of(rows[0]) if changed and rows else None


async def tallies(store: Store, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Tally]:
    """The tally of each (question key, card), for the admins' list."""
    found: dict[tuple[str, str], Tally] = {}
    db = _db(store)
    for key, card in pairs:
        [(helpful_users, unhelpful_users)] = await db.fetch(TALLY, (key, card))
        found[key, card] = Tally(int(helpful_users), int(unhelpful_users))
    return found


async def blocked(store: Store, min_users: int) -> list[tuple[str, str]]:
    """The (question key, card) pairs with a 👎 from at least `min_users` users: that card is not the answer there."""
    rows = await _db(store).fetch(BLOCKED, (min_users,))
    return sorted((key, card) for key, card in rows)
