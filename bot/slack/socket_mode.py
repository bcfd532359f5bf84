"""Socket Mode over slack_sdk's aiohttp client: every envelope acknowledged, a malformed one logged and skipped.

The client itself opens a new socket (a fresh `apps.connections.open`) after a `disconnect` message or a
dropped connection.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

log = logging.getLogger(__name__)

CONTROL_TYPES = frozenset({"hello", "disconnect"})
PING_INTERVAL = 10.0  # seconds between pings; a socket silent for four of them is replaced


class SocketMode(AsyncSocketModeHandler):
    def __init__(self, app: AsyncApp, app_token: str, ping_interval: float = PING_INTERVAL) -> None:
        super().__init__(app, app_token, logger=logging.getLogger("bot.slack.socket"), ping_interval=ping_interval)
        # Every message comes through `receive` instead, which reads envelopes more strictly.
        self.client.socket_mode_request_listeners.clear()
        self.client.message_listeners.append(self.receive)

    async def receive(self, client: AsyncBaseSocketModeClient, message: dict[str, Any], raw: str | None) -> None:
        if message.get("type") in CONTROL_TYPES:
            return
        envelope_id = message.get("envelope_id")
        if not isinstance(envelope_id, str) or not isinstance(message.get("payload"), dict):
            log.warning(
                "skipped a malformed Socket Mode message",
                extra={"fields": {"type": str(message.get("type")), "length": len(raw or "")}},
            )
            if isinstance(envelope_id, str):
                await client.send_socket_mode_response(SocketModeResponse(envelope_id=envelope_id))
            return
        request = SocketModeRequest.from_dict(message)
        if request is not None:
            await self.handle(client, request)

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        """Acknowledge even what the app does not handle or cannot read, so Slack does not send it again."""
        start = time.time()
        try:
            response = await run_async_bolt_app(self.app, req)
        except Exception:
            log.exception("skipped a %s envelope that could not be processed", req.type)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        if response.status == 200:
            await send_async_response(client, req, response, start)
        else:
            log.info("acknowledged a %s envelope the app does not handle (%d)", req.type, response.status)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
