"""A fake Discord on 127.0.0.1: the REST routes and the gateway websocket the bot uses, nothing more.

It records every request, can answer chosen requests with faults (429, 500), and keeps the events it dispatched
so that a RESUME replays what a dropped connection missed, as the real gateway does. A connection that IDENTIFYs with
a `shard` of `[shard_id, shard_count]` gets only its shard's servers, as Discord assigns them: an event in a server
goes to shard `(guild_id >> 22) % shard_count`, and one outside any server (a direct message) to shard 0.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.e2e.fake_discord import payloads

HEARTBEAT_INTERVAL_MS = 41_250
WAIT_SECONDS = 10.0

# Gateway opcodes
DISPATCH, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 0, 1, 2, 6, 9, 10, 11


BODY = web.RequestKey("body", object)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """discord.py reads a body as JSON only when the content type is exactly `application/json`."""
    return web.Response(
        body=json.dumps(body).encode(), status=status, headers={**(headers or {}), "Content-Type": "application/json"}
    )


@dataclass
class Request:
    method: str
    path: str
    body: Any
    headers: dict[str, str]
    status: int
    remote: str | None = None  # the address it came from: which process sent it, when several share the fake
    at: float = field(default_factory=time.perf_counter)


@dataclass
class Session:
    """One shard's gateway session (shard 0 when the bot does not shard): its connection and what it was sent."""

    shard: int
    ws: web.WebSocketResponse | None = None
    request: web.Request | None = None
    session_id: str | None = None
    sequence: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)  # dispatched events, for RESUME


def guild_of(data: Any) -> int | None:
    """The server an event happens in: its `guild_id`, or a GUILD_CREATE's own id; None outside any server."""
    if not isinstance(data, dict):
        return None
    value = data.get("guild_id") or (data.get("id") if "channels" in data else None)
    return int(value) if isinstance(value, (str, int)) and str(value).isdigit() else None


@dataclass
class Fault:
    """Answer the next `times` requests matching `method` and `path` (a regex) with this response instead."""

    method: str
    path: str
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


class FakeDiscord:
    def __init__(
        self,
        token: str,
        guild_ids: Sequence[int] = (payloads.GUILD_ID,),
        recommended_shards: int = 1,
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        self.host = host  # where it listens and what its URLs name: another address for bots in containers
        self.guild_ids = tuple(guild_ids)  # the servers the bot is in when it connects
        self.requests: list[Request] = []
        self.faults: list[Fault] = []
        self.identifies = 0
        self.identified_shards: list[list[int] | None] = []  # each IDENTIFY's `shard`, None when it had none
        self.resumes = 0
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id → synced commands
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel id, message id) → what GET reads
        self.shard_count = 1  # as the last IDENTIFY gave it
        self.recommended_shards = recommended_shards  # what GET /gateway/bot answers (DISCORD_SHARD_COUNT=auto)
        self.sessions: dict[int, Session] = {0: Session(0)}
        self._ids = itertools.count(payloads.FIRST_ID)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # Serving ---------------------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._api)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None:
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://{self.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    def new_id(self) -> int:
        return next(self._ids)

    def shard_of(self, guild_id: int | None) -> int:
        return 0 if guild_id is None else (guild_id >> 22) % self.shard_count

    # The session of shard 0: the only one when the bot does not shard.

    @property
    def session_id(self) -> str | None:
        return self.sessions[0].session_id

    @property
    def sequence(self) -> int:
        return self.sessions[0].sequence

    @sequence.setter
    def sequence(self, value: int) -> None:
        self.sessions[0].sequence = value

    @property
    def _ws(self) -> web.WebSocketResponse | None:
        return self.sessions[0].ws

    # Waiting ---------------------------------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], Any], seconds: float = WAIT_SECONDS) -> Any:
        """Wait (bounded) until `predicate()` is truthy, re-checked whenever a request or gateway message arrives."""
        async with asyncio.timeout(seconds), self._changed:
            while not (result := predicate()):
                await self._changed.wait()
            return result

    async def wait_for_request(self, method: str, path: str, status: int = 200, after: int = 0) -> Request:
        """The first request from index `after` on with this method, path (regex) and status."""
        pattern = re.compile(path)

        def find() -> Request | None:
            for request in self.requests[after:]:
                if request.method == method and pattern.fullmatch(request.path) and request.status == status:
                    return request
            return None

        return await self.wait_until(find)

    async def wait_ready(self, identifies: int = 1) -> None:
        await self.wait_until(lambda: self.identifies >= identifies and self._ws is not None)

    # REST ------------------------------------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
        path = request.path.removeprefix("/api/v10")
        fault = self._take_fault(request.method, path)
        if fault is not None:
            response: web.StreamResponse = _json(fault.body, status=fault.status, headers=fault.headers)
        else:
            request[BODY] = body
            response = await handler(request)
        self.requests.append(
            Request(request.method, path, body, dict(request.headers), response.status, request.remote)
        )
        await self._notify()
        return response

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == method and re.fullmatch(fault.path, path):
                fault.times -= 1
                return fault
        return None

    async def _api(self, request: web.Request) -> web.Response:
        path = request.path.removeprefix("/api/v10")
        body: Any = request[BODY]
        authorized = request.headers.get("Authorization") == f"Bot {self.token}"
        if not path.startswith(("/interactions/", "/webhooks/")) and not authorized:
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        method = request.method
        if method == "GET" and path == "/users/@me":
            return _json(payloads.BOT_USER)
        if method == "GET" and path == "/gateway/bot":  # DISCORD_SHARD_COUNT=auto asks how many shards to run
            limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
            return _json({"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limit})
        if method == "GET" and path == "/oauth2/applications/@me":
            return _json(payloads.application())
        if method == "PUT" and (match := re.fullmatch(r"/applications/\d+(?:/guilds/(\d+))?/commands", path)):
            synced = [payloads.synced_command(command, self.new_id()) for command in body]
            self.commands[match[1] or "global"] = synced
            return _json(synced)
        if method == "GET" and (match := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)):
            if (match[1], match[2]) in self.messages:
                return _json(self.messages[match[1], match[2]])
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        if method == "DELETE" and re.fullmatch(r"/users/@me/guilds/\d+", path):  # leaving a server
            return web.Response(status=204)
        if method == "POST" and re.fullmatch(r"/interactions/\d+/[^/]+/callback", path):
            return _json({"interaction": {"id": path.split("/")[2], "type": 2}})
        if re.fullmatch(r"/webhooks/\d+/[^/]+(?:/messages/[^/]+)?", path) or (
            method == "POST" and re.fullmatch(r"/channels/\d+/messages", path)
        ):
            channel_id = int(path.split("/")[2]) if path.startswith("/channels/") else payloads.CHANNEL_ID
            return _json(payloads.message(self.new_id(), channel_id, payloads.BOT_USER, body or {}))
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    # Gateway ---------------------------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        if self.shard_count == 1:  # an unsharded bot's connection is shard 0's from the start, IDENTIFY or not
            self.sessions[0].ws, self.sessions[0].request = ws, request
        await ws.send_json({"op": HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    break
                await self._on_gateway_message(ws, request, json.loads(message.data))
                await self._notify()
        finally:
            for each in self.sessions.values():
                if each.ws is ws:
                    each.ws = None
            await self._notify()
        return ws

    async def _on_gateway_message(
        self, ws: web.WebSocketResponse, request: web.Request, message: dict[str, Any]
    ) -> None:
        op, data = message.get("op"), message.get("d")
        if op == HEARTBEAT:
            await ws.send_json({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            if data.get("token") != self.token:
                await ws.close(code=4004)
                return
            shard = data.get("shard")
            shard_id, self.shard_count = shard or (0, 1)
            self.identifies += 1
            self.identified_shards.append(shard)
            for each in self.sessions.values():  # a shard's connection, taken for shard 0's before it said which
                if each.ws is ws:
                    each.ws = None
            session = self.sessions[shard_id] = Session(shard_id, ws, request, f"session-{self.new_id()}")
            guild_ids = [guild_id for guild_id in self.guild_ids if self.shard_of(guild_id) == shard_id]
            await self._send(session, "READY", payloads.ready(session.session_id, self.gateway_url, guild_ids, shard))
            for guild_id in guild_ids:
                await self._send(session, "GUILD_CREATE", payloads.guild(guild_id))
        elif op == RESUME:
            found = [each for each in self.sessions.values() if each.session_id == data.get("session_id")]
            if data.get("token") != self.token or not found:
                await ws.send_json({"op": INVALID_SESSION, "d": False})
                return
            session = found[0]
            session.ws, session.request = ws, request
            self.resumes += 1
            for event in session.history:
                if event["s"] > (data.get("seq") or 0):
                    await ws.send_json(event)
            await self._send(session, "RESUMED", {})

    async def dispatch(self, event: str, data: Any) -> None:
        """Send an event on the shard of its server now, or keep it for the RESUME when no connection is up."""
        shard = self.shard_of(guild_of(data))
        await self._send(self.sessions.setdefault(shard, Session(shard)), event, data)

    async def _send(self, session: Session, event: str, data: Any) -> None:
        session.sequence += 1
        frame = {"op": DISPATCH, "t": event, "s": session.sequence, "d": data}
        session.history.append(frame)
        if session.ws is not None and not session.ws.closed:
            await session.ws.send_json(frame)

    async def send_raw(self, frame: dict[str, Any]) -> None:
        """A frame exactly as given (for malformed events)."""
        assert self._ws is not None
        await self._ws.send_json(frame)

    async def close_gateway(self, code: int) -> None:
        assert self._ws is not None
        await self._ws.close(code=code)

    def drop_connection(self) -> None:
        """Cut the TCP connection under the websocket without a close frame, as a network failure would."""
        session = self.sessions[0]
        assert session.request is not None
        assert session.request.transport is not None
        session.request.transport.abort()
        session.ws = None
