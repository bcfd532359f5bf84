"""A reload in one process of a scaled-out bot reaches every other, over the store's PostgreSQL (LISTEN/NOTIFY).

Each process that hears of it reloads its own cards with its own checks, and swaps atomically as any reload does: a
card with an error is left out, or with STRICT_CARDS the reload is refused, in every process as in the one that
began. With SQLite, one process has the database to itself: nothing is shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from bot.holder import EngineHolder, Reload
from bot.settings import Settings
from bot.store.database import is_postgres
from bot.store.notices import Notices

log = logging.getLogger(__name__)

CHANNEL = "faqbot_reload"


class SharedReloads:
    """Announces this process's reloads and reloads on the others'; one reload at a time however many come."""

    def __init__(self, holder: EngineHolder, url: str) -> None:
        self.holder = holder
        self.notices = Notices(url, CHANNEL, self._heard)
        self._loop = asyncio.get_running_loop()
        self._again = False
        self._reloading: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[bool]] = set()

    def start(self) -> None:
        self.notices.start()
        self.holder.on_reload = self._announce

    def _announce(self, result: Reload) -> None:
        """Called from the thread that reloaded: the notice is sent from the event loop (none once it has closed:
        the watcher's thread can reload while the bot stops)."""
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._send)

    def _send(self) -> None:
        task = self._loop.create_task(self.notices.send())
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    def _heard(self) -> None:
        """Notices heard while a reload runs make one more reload after it, not one each."""
        self._again = True
        if self._reloading is None or self._reloading.done():
            self._reloading = self._loop.create_task(self._reload())

    async def _reload(self) -> None:
        while self._again:
            self._again = False
            try:
                result = await self.holder.reload_off_loop(announce=False)
            except Exception:
                log.exception("reloading the cards as another process of this bot did failed; the old cards answer")
                continue
            if not result.refused:  # a refusal is logged by the holder, with its problems
                log.info("cards reloaded: another process of this bot reloaded")

    async def close(self) -> None:
        self.holder.on_reload = None
        if self._reloading is not None:
            self._reloading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reloading
        await asyncio.gather(*self._sends, return_exceptions=True)
        await self.notices.close()


@contextlib.asynccontextmanager
async def sharing_reloads(settings: Settings, holder: EngineHolder) -> AsyncIterator[SharedReloads | None]:
    """Reloads shared with the bot's other processes while the bot runs, when DATABASE_URL is PostgreSQL."""
    url = settings.database_url.get_secret_value() if settings.database_url else None
    if url is None or not is_postgres(url):
        yield None
        return
    shared = SharedReloads(holder, url)
    shared.start()
    try:
        yield shared
    finally:
        await shared.close()
