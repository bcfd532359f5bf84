"""The store's writes a second, SQLite and PostgreSQL: questions as the bot records them (queued, written in
batches in the background) and votes (each durable in a transaction of its own before the voter is thanked).

Path measured: `bot.store` in this process, on a new SQLite file in a temporary folder and on a throwaway PostgreSQL
server on 127.0.0.1 (where one can be started, as the store's tests start one); the questions are enqueued at once
and timed until `flush()` has written them all, the votes one after another, each awaited.

The target is ten times the peak assumed in `bench/load.py` (0.5 questions a second), 5 a second, for both.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.settings import load_settings
from bot.store import QuestionEvent, open_store
from tests.store.postgres import fresh_database, postgres_server

QUESTIONS = 20_000
VOTES = 500
SMOKE_QUESTIONS = 200
SMOKE_VOTES = 20
TARGET_PER_SECOND = 5.0


@dataclass(frozen=True)
class Writes:
    database: str
    questions_per_second: float
    votes_per_second: float


async def _measure(database: str, settings_url: str | None, data_dir: Path, questions: int, votes: int) -> Writes:
    store = await open_store(load_settings(data_dir=data_dir, database_url=settings_url))
    try:
        started = time.perf_counter()
        ids = [
            store.record_question(
                QuestionEvent("discord", n, f"question number {n}", "roles", 80.0, "answered", guild=1, channel=2)
            )
            for n in range(questions)
        ]
        await store.flush()
        asked = time.perf_counter() - started
        started = time.perf_counter()
        for n in range(votes):
            await store.record_vote(ids[n], n, "roles", helpful=True)
        voted = time.perf_counter() - started
    finally:
        await store.close()
    return Writes(database, questions / asked, votes / voted)


@contextlib.contextmanager
def _postgres() -> Iterator[str | None]:
    """A server's URL, or None where no PostgreSQL can be started here."""
    try:
        with postgres_server() as url:
            yield url
    except RuntimeError:
        yield None


def run(questions: int = QUESTIONS, votes: int = VOTES) -> list[Writes | str]:
    rows: list[Writes | str] = []
    with tempfile.TemporaryDirectory(prefix="faqbot-store-bench-") as folder:
        rows.append(asyncio.run(_measure("SQLite", None, Path(folder) / "sqlite", questions, votes)))
        with _postgres() as server:
            if server is None:
                rows.append("PostgreSQL skipped: no server could be started here (set TEST_POSTGRES_URL to use one)")
            else:
                url = asyncio.run(fresh_database(server))
                rows.append(asyncio.run(_measure("PostgreSQL", url, Path(folder) / "pg", questions, votes)))
    return rows


def lines(rows: list[Writes | str]) -> list[str]:
    out = [
        "The store's writes a second (`bench/store_writes.py`): questions enqueued at once and written in the "
        "background in batches, until flushed; votes one after another, each durable before it returns. Target: "
        f"{TARGET_PER_SECOND:g} a second, ten times the peak assumed in the load bench.",
        "",
        "| database | questions a second | votes a second |",
        "|---|---|---|",
    ]
    notes = []
    for row in rows:
        if isinstance(row, str):
            notes.append(row)
            continue
        marks = ["✓" if rate >= TARGET_PER_SECOND else "✗" for rate in (row.questions_per_second, row.votes_per_second)]
        out.append(
            f"| {row.database} | {row.questions_per_second:,.0f} {marks[0]} | {row.votes_per_second:,.0f} {marks[1]} |"
        )
    return out + (["", *notes] if notes else [])
