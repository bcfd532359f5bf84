"""Slack as one service of the process: Socket Mode with an app token, else the HTTP endpoint; closed on request."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from slack_sdk.errors import SlackApiError

from bot import health
from bot.exits import EXIT_FAIL, EXIT_OK
from bot.holder import EngineHolder
from bot.settings import Settings
from bot.slack.app import build_app
from bot.slack.http_mode import events_route
from bot.slack.socket_mode import PING_INTERVAL, SocketMode

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)

CLOSE_TIMEOUT = 5.0  # seconds for the socket's closing handshake before it is simply dropped


class SlackService:
    name = "slack"

    def __init__(
        self,
        settings: Settings,
        holder: EngineHolder,
        store: Store | None = None,
        ping_interval: float = PING_INTERVAL,
    ) -> None:
        self.settings = settings
        self.app = build_app(settings, holder, store)
        self.ping_interval = ping_interval
        self.socket: SocketMode | None = None
        self.ready = False
        self._closed = asyncio.Event()
        self.connection = health.Connection("slack", self.is_connected)

    @property
    def over_http(self) -> bool:
        return self.settings.slack_app_token is None

    def routes(self) -> list[web.RouteDef]:
        if not self.over_http:
            return []
        if self.settings.slack_signing_secret is None:
            raise ValueError("SLACK_SIGNING_SECRET is not set")
        return [events_route(self.app, self.settings.slack_signing_secret.get_secret_value())]

    def is_connected(self) -> bool:
        if self.over_http:
            return self.ready
        session = self.socket.client.current_session if self.socket else None
        return self.ready and session is not None and not session.closed

    async def run(self) -> int:
        """Check the tokens, connect, and serve until `close()`; a refused token is one clear line and exit 1."""
        try:
            identity = await self.app.client.auth_test()
            if self.settings.slack_app_token is not None:
                self.socket = SocketMode(self.app, self.settings.slack_app_token.get_secret_value(), self.ping_interval)
                try:
                    self.socket.client.wss_uri = await self.socket.client.issue_new_wss_url()
                except SlackApiError as error:
                    log.error(self.refusal("SLACK_APP_TOKEN", error))
                    return EXIT_FAIL
                await self.socket.connect_async()
            self.ready = True
            log.info(
                "Slack: connected over %s as %s",
                "HTTP" if self.over_http else "Socket Mode",
                identity.get("user"),
                extra={"fields": {"team": identity.get("team")}},
            )
            await self._closed.wait()
            return EXIT_OK
        except SlackApiError as error:
            log.error(self.refusal("SLACK_BOT_TOKEN", error))
            return EXIT_FAIL
        except (aiohttp.ClientError, OSError) as error:
            log.error("cannot reach Slack (%s): check the network or SLACK_API_URL", error)
            return EXIT_FAIL
        finally:
            self.ready = False
            if self.socket is not None:
                try:
                    await asyncio.wait_for(self.socket.close_async(), CLOSE_TIMEOUT)
                except TimeoutError:
                    log.warning("the Slack socket did not close in %.0f s; dropped it", CLOSE_TIMEOUT)
            log.info("Slack connection closed")

    def refusal(self, setting: str, error: SlackApiError) -> str:
        """Why Slack turned a token down: its error code; with none (a web page, a proxy's 404), the answer came from
        somewhere other than Slack's API, so the address is the likelier fault."""
        data = getattr(error.response, "data", None)  # a response that is not JSON has none, or no mapping
        if isinstance(data, dict) and data.get("error"):
            return f"Slack refused {setting} ({data['error']})"
        status = getattr(error.response, "status_code", None) or getattr(error.response, "status", "?")
        return (
            f"checking {setting}, {self.settings.slack_api_url} answered HTTP {status} without a Slack error code: "
            "check SLACK_API_URL"
        )

    async def close(self) -> None:
        """Ask `run()` to disconnect and return."""
        self._closed.set()


def missing_setting(settings: Settings) -> str | None:
    """Why Slack cannot start with these settings, as one line naming the setting, or None."""
    if settings.slack_bot_token is None:
        return "SLACK_BOT_TOKEN is not set: put the bot token (xoxb-...) in the environment or .env"
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        return "SLACK_APP_TOKEN is not set: put the app-level token (xapp-...) in the environment or .env"
    if settings.slack_app_token is None and settings.http_port is None:
        return "HTTP_PORT is not set: without SLACK_APP_TOKEN, Slack events arrive over HTTP on that port"
    return None
