"""Serve several chat platforms from one process: one event loop, one store, one health server, one SIGTERM.

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
from bot.holder import EngineHolder
from bot.learn.teacher import following
from bot.settings import Settings
from bot.shared_reloads import sharing_reloads
from bot.store import Store, start_store

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAIL = 0, 1
SHUTDOWN_TIMEOUT = 8.0  # seconds for every service to close, within the 10 s a supervisor waits after SIGTERM


class Service(Protocol):
    name: str
    connection: health.Connection

    def routes(self) -> list[web.RouteDef]: ...

    async def run(self) -> int: ...

    async def close(self) -> None: ...


class DiscordService:
    name = "discord"

    def __init__(self, settings: Settings, holder: EngineHolder, store: Store | None) -> None:
        from bot.discord.app import create_bot

        if settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set")
        self.token = settings.discord_token.get_secret_value()
        self.bot = create_bot(settings, holder, store)
        self.connection = health.Connection("discord", lambda: self.bot.gateway_connected, lambda: self.bot.latency)

    def routes(self) -> list[web.RouteDef]:
        return []

    async def run(self) -> int:
        from bot.discord.app import connect

        return await connect(self.bot, self.token)

    async def close(self) -> None:
        await self.bot.close()


def build_service(name: str, settings: Settings, holder: EngineHolder, store: Store | None) -> Service:
    if name == "discord":
        return DiscordService(settings, holder, store)
    from bot.slack.service import SlackService

    return SlackService(settings, holder, store)


async def serve(
    settings: Settings, holder: EngineHolder, services: Sequence[Service], store: health.StoreStatus | None = None
) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server: health.HealthServer | None = None
    try:
        if settings.http_port is not None:
            connections = [service.connection for service in services]
            server = health.HealthServer(
                holder,
                connections,
                host=settings.http_host,
                port=settings.http_port,
                store=store,
                shared_port=settings.http_shared_port,
            )
            for service in services:
                server.app.add_routes(service.routes())
            await server.start()
        tasks = [asyncio.create_task(service.run(), name=service.name) for service in services]
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([*tasks, stopping], return_when=asyncio.FIRST_COMPLETED)
        log.info("stopping: %s", "signal received" if stop.is_set() else "a service ended")
        stopping.cancel()
        for service in services:
            await service.close()
        _, late = await asyncio.wait(tasks, timeout=SHUTDOWN_TIMEOUT)
        for task in late:
            log.warning("%s did not close in %.0f s; cancelled", task.get_name(), SHUTDOWN_TIMEOUT)
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        return max((_exit_code(task) for task in tasks), default=EXIT_OK)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        if server is not None:
            await server.close()


def _exit_code(task: asyncio.Task[int]) -> int:
    if task.cancelled():
        return EXIT_FAIL
    if (error := task.exception()) is not None:
        log.error("%s stopped with an error", task.get_name(), exc_info=error)
        return EXIT_FAIL
    return task.result()


async def run_platforms(settings: Settings, holder: EngineHolder, platforms: Sequence[str]) -> int:
    """`python -m bot run` for Slack, or for Discord and Slack together; the store opens in the background, and reloads
    are shared with the bot's other processes on PostgreSQL."""
    store = await start_store(settings)
    try:
        services = [build_service(name, settings, holder, store) for name in platforms]
        async with following(settings, holder, store), sharing_reloads(settings, holder):
            return await serve(settings, holder, services, store)
    finally:
        await store.close()
