"""A reload in one process reaches the others over PostgreSQL LISTEN/NOTIFY; each loads and checks its own cards."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest

from bot.holder import EngineHolder
from bot.settings import load_settings
from bot.shared_reloads import CHANNEL, SharedReloads, sharing_reloads
from bot.store.notices import Notices
from tests.conftest import FIXTURE_KNOWLEDGE
from tests.store.postgres import fresh_database
from tests.store.test_reload import BROKEN, NEW_ANSWER, rewrite_roles_answer

WAIT_SECONDS = 10.0


async def eventually(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT_SECONDS):
        while not condition():  # noqa: ASYNC110 - a reload in another holder has no event to wait on
            await asyncio.sleep(0.02)


def roles_answer(holder: EngineHolder) -> str:
    return holder.engine.knowledge.cards["roles"].answer


@pytest.fixture
async def processes(postgres_url: str, tmp_path: Path) -> AsyncIterator[list[EngineHolder]]:
    """Two processes' holders, each on its own copy of the cards (as on two hosts), strict, sharing reloads."""
    url = await fresh_database(postgres_url)
    holders = [
        EngineHolder(Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / name)), 55.0, 6.0, strict=True)
        for name in ("first", "second")
    ]
    shared = [SharedReloads(holder, url) for holder in holders]
    for each in shared:
        each.start()
    await eventually(lambda: all(each.notices.listening for each in shared))
    try:
        yield holders
    finally:
        for each in shared:
            await each.close()


async def test_a_reload_in_one_process_reloads_the_other(processes: list[EngineHolder]) -> None:
    first, second = processes
    for holder in processes:  # a deploy that changed the cards on every host
        rewrite_roles_answer(holder.knowledge_dir)
    assert not (await first.reload_off_loop()).refused
    assert roles_answer(first) == NEW_ANSWER
    await eventually(lambda: roles_answer(second) == NEW_ANSWER)


async def test_a_bad_edit_is_refused_in_every_process(
    processes: list[EngineHolder], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.holder")
    first, second = processes
    serving = second.engine
    for holder in processes:
        (holder.knowledge_dir / "cards" / "bug.md").write_text(BROKEN, encoding="utf-8")
    assert (await first.reload_off_loop()).refused

    def refusals(holder: EngineHolder) -> int:
        return sum(f"reload refused: 1 problem(s) in {holder.knowledge_dir}" in r.message for r in caplog.records)

    await eventually(lambda: refusals(second) == 1)  # it checked its own cards, and kept the ones it had
    assert second.engine is serving
    assert refusals(first) == 1  # its own notice, heard back, is not acted on


async def test_with_sqlite_nothing_is_shared(tmp_path: Path) -> None:
    holder = EngineHolder(FIXTURE_KNOWLEDGE, 55.0, 6.0)
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'store.sqlite3'}", knowledge_dir=FIXTURE_KNOWLEDGE)
    async with sharing_reloads(settings, holder) as shared:
        assert shared is None
        assert holder.on_reload is None


async def test_a_lost_listening_connection_is_opened_again_and_counts_as_a_notice(postgres_url: str) -> None:
    """A notice sent while the connection was down is missed: the process reloads once it listens again, in case."""
    url = await fresh_database(postgres_url)
    heard: list[None] = []
    notices = Notices(url, CHANNEL, lambda: heard.append(None))
    notices.start()
    await eventually(lambda: notices.listening)
    try:
        connection = await asyncpg.connect(url)
        try:
            killed = await connection.fetchval(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query = $1",
                f'LISTEN "{CHANNEL}"',
            )
        finally:
            await connection.close()
        assert killed == 1
        await eventually(lambda: bool(heard) and notices.listening)
        assert await notices.send()
    finally:
        await notices.close()
    assert len(heard) == 1  # its own notice is not heard
