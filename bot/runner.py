"""`faqbot run`: every chat platform asked for (Discord alone, Slack alone, or both) served from one process: one
event loop, one store, one health server, one SIGTERM, the learned phrasings followed and reloads shared.

Each platform is a service that runs until closed. A signal, or any service ending on its own (a refused
token, say), closes them all; the exit code is 0 only when every service ended cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from typing import Protocol

from aiohttp import web

from bot import health
from bot.exits import EXIT_FAIL, EXIT_OK
from bot.holder import EngineHolder
from bot.learn.teacher import following
from bot.settings import Settings
from bot.shared_reloads import sharing_reloads
from bot.store import Store, start_store

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 8.0  # seconds for every service to close, within the 10 s a supervisor waits after SIGTERM
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Service(Protocol):
    name: str
    connection: health.Connection

    def routes(self) -> list[web.RouteDef]: ...

    async def run(self) -> int: ...

    async def close(self) -> None: ...


def build_service(name: str, settings: Settings, holder: EngineHolder, store: Store | None) -> Service:
    """A platform's service, imported only when asked for: a Slack-only process loads nothing of discord.py."""
    if name == "discord":
        from bot.discord.service import DiscordService

        return DiscordService(settings, holder, store)
    from bot.slack.service import SlackService

    return SlackService(settings, holder, store)


async def serve(
    settings: Settings, holder: EngineHolder, services: Sequence[Service], store: health.StoreStatus | None = None
) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signal(name: str) -> None:
        log.info("%s received: closing %s", name, " and ".join(service.name for service in services))
        stop.set()

    for sig in SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig.name)
    try:
        connections = [service.connection for service in services]
        routes = [route for service in services for route in service.routes()] if settings.http_port else []
        async with health.serve(settings, holder, connections, store, routes):
            return await _until_stopped(services, stop)
    finally:
        for sig in SIGNALS:
            loop.remove_signal_handler(sig)


async def _until_stopped(services: Sequence[Service], stop: asyncio.Event) -> int:
    tasks = [asyncio.create_task(service.run(), name=service.name) for service in services]
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([*tasks, stopping], return_when=asyncio.FIRST_COMPLETED)
    if not stop.is_set():
        log.info("stopping: a service ended")
    stopping.cancel()
    for service in services:
        await service.close()
    _, late = await asyncio.wait(tasks, timeout=SHUTDOWN_TIMEOUT)
    for task in late:
        log.warning("%s did not close in %.0f s; cancelled", task.get_name(), SHUTDOWN_TIMEOUT)
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)
    return max((_exit_code(task) for task in tasks), default=EXIT_OK)


def _exit_code(task: asyncio.Task[int]) -> int:
    if task.cancelled():
        return EXIT_FAIL
    if (error := task.exception()) is not None:
        log.error("%s stopped with an error", task.get_name(), exc_info=error)
        return EXIT_FAIL
    return task.result()


async def run_platforms(settings: Settings, holder: EngineHolder, platforms: Sequence[str]) -> int:
    """The store opens in the background and is closed whatever happens (a busy HTTP_PORT, say): its queue is
    written, and its thread ends, so the process can exit."""
    store = await start_store(settings)
    try:
        services = [build_service(name, settings, holder, store) for name in platforms]
        async with following(settings, holder, store), sharing_reloads(settings, holder):
            return await serve(settings, holder, services, store)
    finally:
        await store.close()
