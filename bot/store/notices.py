"""PostgreSQL LISTEN/NOTIFY: a word from one bot process to every other on the same database, with nothing more to run.

The notices have a connection of their own (a pooled one cannot keep listening), opened again with the store's
backoff while it cannot be. What is said while it is down is missed: so after it connects again, it reports a notice
heard, as if one had come (a reload costs little when nothing changed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

from bot.store.store import backoff

log = logging.getLogger(__name__)

CONNECT_SECONDS = 10.0


class Notices:
    """Notices on one channel: `send()` tells every other process listening there, `on_notice` hears theirs."""

    def __init__(self, url: str, channel: str, on_notice: Callable[[], None]) -> None:
        self.url = url
        self.channel = channel
        self.on_notice = on_notice
        self.sender = uuid.uuid4().hex  # PostgreSQL tells a process its own notices too: these are left unheard
        self._connection: Any = None
        self._sending = asyncio.Lock()  # one statement at a time on the connection
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Listen from now on, connecting in the background: the bot does not wait for PostgreSQL to start."""
        self._task = asyncio.create_task(self._listen(), name=f"notices-{self.channel}")

    @property
    def listening(self) -> bool:
        return self._connection is not None

    async def send(self) -> bool:
        """Tell the other processes; False (logged) when the connection is down and the notice is lost."""
        try:
            async with self._sending:
                if self._connection is None:
                    raise ConnectionError("not connected")
                await self._connection.execute("SELECT pg_notify($1, $2)", self.channel, self.sender)
        except Exception as error:
            log.warning("could not tell the other processes on %s (%s: %s)", self.channel, type(error).__name__, error)
            return False
        return True

    async def _listen(self) -> None:
        import asyncpg

        waits, failures, connected_before = backoff(), 0, False
        while True:
            try:
                connection = await asyncpg.connect(self.url, timeout=CONNECT_SECONDS)
            except Exception as error:
                failures, wait = failures + 1, next(waits)
                level = logging.WARNING if failures == 1 else logging.DEBUG  # one line, not one a minute
                log.log(level, "cannot listen on %s (%s: %s); trying again", self.channel, type(error).__name__, error)
                await asyncio.sleep(wait)
                continue
            try:
                await self._hold(connection, after_a_loss=connected_before)
            except Exception as error:  # LISTEN itself failed: wait as for a failed connection
                log.warning("listening on %s failed (%s: %s)", self.channel, type(error).__name__, error)
                await asyncio.sleep(next(waits))
                continue
            waits, failures, connected_before = backoff(), 0, True
            log.warning("lost the connection that listens on %s; connecting again", self.channel)

    async def _hold(self, connection: Any, after_a_loss: bool) -> None:
        """Listen on `connection` until it is lost (or the task is cancelled: then it is closed at once)."""
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _: lost.set())
        try:
            await connection.add_listener(self.channel, self._heard)
            self._connection = connection
            if after_a_loss:
                log.info("listening on %s again: acting as if a notice came, for any missed meanwhile", self.channel)
                self.on_notice()
            await lost.wait()
        finally:
            self._connection = None
            connection.terminate()

    def _heard(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        if payload != self.sender:
            self.on_notice()

    async def close(self) -> None:
        """Stop listening; the connection is closed by the task as it ends."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
