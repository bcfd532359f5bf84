"""`/healthz` and `/metrics` over HTTP, served from the bot's own event loop.

The server knows no chat library: each adapter hands it a `Connection` made of plain callables, so the same
probe works for Discord, Slack, or both in one process. Other HTTP routes (such as Slack's events endpoint)
can be added to `HealthServer.app` before it starts.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from bot import metrics
from bot.holder import EngineHolder
from bot.settings import Settings

log = logging.getLogger(__name__)


def _unknown() -> float | None:
    return None


@dataclass(frozen=True)
class Connection:
    """One chat platform as the health server sees it."""

    platform: str
    is_connected: Callable[[], bool]
    latency: Callable[[], float | None] = _unknown  # seconds; None (or NaN/inf) while unknown


class StoreStatus(Protocol):
    """What the server reads of the store (`bot.store.Store`): the store serves reports, not answers, so its state is
    reported but never makes the bot unhealthy."""

    @property
    def state(self) -> str:
        """ "ok" or "degraded"."""

    @property
    def pending(self) -> int:
        """Records waiting to be written."""


def _probe(connection: Connection) -> tuple[bool, float | None]:
    """A probe that raises counts as disconnected: a health check must answer, not fail."""
    try:
        up = bool(connection.is_connected())
        latency = connection.latency()
    except Exception:
        log.warning("health probe for %s failed", connection.platform, exc_info=True)
        return False, None
    if latency is None or not math.isfinite(latency):
        return up, None
    return up, float(latency)


class HealthServer:
    def __init__(
        self,
        holder: EngineHolder,
        connections: Sequence[Connection] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        store: StoreStatus | None = None,
        shared_port: bool = False,
    ) -> None:
        self.holder = holder
        self.connections = list(connections)
        self.host = host
        self.port = port  # the bound port once started (useful with 0)
        # SO_REUSEPORT: several bot processes bind the one port and the kernel spreads connections among them (Slack
        # HTTP mode's workers). Off by default, so that a second bot started by mistake fails to bind, loudly.
        self.shared_port = shared_port
        self.store = store
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/metrics", self._metrics)
        self._runner: web.AppRunner | None = None

    def status(self) -> tuple[bool, dict[str, Any]]:
        """Healthy only with cards loaded and every chat connection up; the detail says which part is not. Cards
        left out for their errors make the cards "degraded", not the bot unhealthy: the others answer; so does a store
        that cannot record ("store": "degraded")."""
        cards, problems = len(self.holder.cards), len(self.holder.problems)
        detail: dict[str, Any] = {
            "knowledge": {"ok": cards > 0, "cards": cards, "problems": problems},
            "cards": "degraded" if problems else "ok",
            "connections": {},
        }
        for connection in self.connections:
            up, latency = _probe(connection)
            detail["connections"][connection.platform] = {"ok": up, "latency_seconds": latency}
        if self.store is not None:
            detail["store"] = self.store.state
        healthy = cards > 0 and bool(self.connections) and all(c["ok"] for c in detail["connections"].values())
        detail["status"] = "ok" if healthy else "unavailable"
        return healthy, detail

    def refresh_gauges(self) -> None:
        """Read the live values into the gauges right before a scrape."""
        metrics.CARDS_LOADED.set(len(self.holder.cards))
        for connection in self.connections:
            up, latency = _probe(connection)
            metrics.CONNECTED.labels(connection.platform).set(1 if up else 0)
            if latency is not None:
                metrics.GATEWAY_LATENCY.labels(connection.platform).set(latency)
        if self.store is not None:
            metrics.STORE_QUEUE_DEPTH.set(self.store.pending)
            metrics.STORE_OK.set(1 if self.store.state == "ok" else 0)

    async def _healthz(self, request: web.Request) -> web.Response:
        healthy, detail = self.status()
        return web.json_response(detail, status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        self.refresh_gauges()
        body, content_type = metrics.render()
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_port=self.shared_port or None)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@asynccontextmanager
async def serve(
    settings: Settings,
    holder: EngineHolder,
    connections: Sequence[Connection],
    store: StoreStatus | None = None,
    routes: Sequence[web.RouteDef] = (),
) -> AsyncIterator[HealthServer | None]:
    """Run the health server for the duration of the block when `HTTP_PORT` is set; otherwise do nothing. `routes`
    are the platforms' own endpoints on the same port (Slack's events over HTTP)."""
    if settings.http_port is None:
        yield None
        return
    server = HealthServer(
        holder,
        connections,
        host=settings.http_host,
        port=settings.http_port,
        store=store,
        shared_port=settings.http_shared_port,
    )
    server.app.add_routes(routes)
    await server.start()
    try:
        yield server
    finally:
        await server.close()
