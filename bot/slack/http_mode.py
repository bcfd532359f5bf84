"""The Events API and interactivity over HTTP at `/slack/events`: nothing of a request is read before its signature.

The signature is checked over the raw bytes (at most `BODY_MAX_BYTES`) before any parsing, here rather than by
Bolt: Bolt parses the body first (bad JSON became a 400, a timestamp that is not a number a 500 with a traceback)
and logs the whole body of every refused request, so its own check is off (`bot.slack.app`). A refused request
gets 401 (413 when too large) and at most one short log line a second, never its body. A signed request seen
before (a replay within its five minutes) is refused too, and Slack's retry of an event already received is
acknowledged and dropped, so nothing is answered twice.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

PATH = "/slack/events"
BODY_MAX_BYTES = 256 * 1024  # what the bot acts on (a question, a click on its message) comes in a few tens of kB
SIGNATURE_MAX_AGE_SECONDS = 5 * 60  # either side of now, for Slack's timestamp (SignatureVerifier's rule)
EVENT_RETRY_WINDOW = 60 * 60  # Slack retries a delivery three times, the last about five minutes after the first
RECENT_MAX = 20_000  # ids kept at most, whatever the traffic
REFUSAL_LOG_INTERVAL = 1.0  # seconds between two lines about refused requests


class Recent:
    """Keys seen within the last `window` seconds, at most `limit` of them (the oldest forgotten first)."""

    def __init__(self, window: float, limit: int = RECENT_MAX, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.limit = limit
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # key → when first seen, oldest first

    def seen(self, key: str) -> bool:
        """Whether `key` was seen lately; a new key is remembered."""
        now = self.clock()
        while self._seen and next(iter(self._seen.values())) < now - self.window:
            self._seen.popitem(last=False)
        if key in self._seen:
            return True
        self._seen[key] = now
        if len(self._seen) > self.limit:
            self._seen.popitem(last=False)
        return False


class RefusalLog:
    """One line for the first refused request, then at most one every `interval` seconds with the count skipped.

    A flood of bad requests must not become a flood of log: the line names the reason and the peer, never the body.
    """

    def __init__(self, interval: float = REFUSAL_LOG_INTERVAL, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last = float("-inf")
        self._skipped = 0

    def refused(self, reason: str, peer: str | None) -> None:
        now = self.clock()
        if now - self._last < self.interval:
            self._skipped += 1
            return
        fields = {"reason": reason, "peer": peer or "unknown", "suppressed": self._skipped}
        log.warning("refused a request to %s", PATH, extra={"fields": fields})
        self._last, self._skipped = now, 0


class Endpoint:
    """`/slack/events`: checks a request and hands Bolt only what Slack signed and has not sent before."""

    def __init__(self, app: AsyncApp, signing_secret: str) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)
        self.signatures = Recent(2 * SIGNATURE_MAX_AGE_SECONDS)  # an older signature is refused as stale anyway
        self.events = Recent(EVENT_RETRY_WINDOW)
        self.refusals = RefusalLog()

    async def handle(self, request: web.Request) -> web.Response:
        raw = await _read(request)
        if raw is None:
            return self._refuse(request, "too large", 413)
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        signature = request.headers.get("X-Slack-Signature")
        if not self._signed(raw, timestamp, signature):
            return self._refuse(request, "bad signature", 401)
        if self.signatures.seen(str(signature)):
            return self._refuse(request, "replayed", 401)
        headers: dict[str, str | Sequence[str]] = dict(request.headers)
        try:  # the signature held, so these are Slack's bytes, in UTF-8
            bolt_request = AsyncBoltRequest(body=raw.decode(), query=request.query_string, headers=headers)
        except Exception as error:  # signed, so Slack's, but not what its content type says
            log.warning("skipped an unreadable request to %s (%s)", PATH, type(error).__name__)
            return web.json_response({"error": "unreadable request"}, status=400)
        if self._is_retry(bolt_request.body):
            log.info("dropped a second delivery of an event already received")
            return web.Response(status=200)
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    def _signed(self, raw: bytes, timestamp: str | None, signature: str | None) -> bool:
        try:
            return self.verifier.is_valid(raw, timestamp, signature)
        except ValueError:  # a timestamp that is not a number, a body that is not UTF-8
            return False

    def _is_retry(self, body: dict[str, Any]) -> bool:
        """A delivery of an event received before: Slack retries (`X-Slack-Retry-Num`) when the first answer was late
        or failed, and the first may well have been answered. Commands and clicks carry no event id."""
        event_id = body.get("event_id")
        return isinstance(event_id, str) and self.events.seen(event_id)

    def _refuse(self, request: web.Request, reason: str, status: int) -> web.Response:
        self.refusals.refused(reason, request.remote)
        return web.json_response({"error": "invalid request"}, status=status)


async def _read(request: web.Request) -> bytes | None:
    """The body, or None past `BODY_MAX_BYTES`: a larger one is not read at all."""
    if request.content_length is not None and request.content_length > BODY_MAX_BYTES:
        return None
    body = bytearray()
    async for chunk in request.content.iter_any():
        body += chunk
        if len(body) > BODY_MAX_BYTES:
            return None
    return bytes(body)


def events_route(app: AsyncApp, signing_secret: str) -> web.RouteDef:
    return web.post(PATH, Endpoint(app, signing_secret).handle)
