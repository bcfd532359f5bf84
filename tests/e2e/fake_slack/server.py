"""A fake Slack on 127.0.0.1: the Web API methods the bot calls, response URLs, and the Socket Mode websocket.

Every wait is bounded: `wait_until` gives up after `WAIT_SECONDS` and fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05
BOT_USER_ID = "UFAQBOT"
BOT_ID = "BFAQBOT"
TEAM_ID = "T0TEAM"
ADMIN_ID = "U9ADMIN"  # the workspace's admin in `FakeSlack.users`; U1ASKER is a plain member


def user(user_id: str, name: str, team: str = TEAM_ID, **flags: bool) -> dict[str, Any]:
    """A user as users.info describes one: its `is_admin`, `is_owner`… flags only when given."""
    return {"id": user_id, "team_id": team, "name": name.lower(), "profile": {"display_name": name}, **flags}


@dataclass
class Call:
    """One request the bot made: a Web API method (`chat.postMessage`) or a response URL (`response_url`)."""

    method: str
    body: dict[str, Any]
    status: int
    result: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    @property
    def posted(self) -> dict[str, Any]:
        """A posted message as a click on it carries it: its body and the `ts` Slack gave it."""
        return {**self.body, "ts": self.result.get("ts")}


@dataclass
class Socket:
    ws: web.WebSocketResponse
    request: web.Request
    number: int


class FakeSlack:
    def __init__(self, bot_token: str, app_token: str) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.calls: list[Call] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.sockets: list[Socket] = []
        self.scripted: dict[str, list[tuple[int, dict[str, str]]]] = {}  # method → (status, headers) to answer next
        self.group_dms: set[str] = set()  # channels that conversations.info describes as group direct messages
        self.users = {ADMIN_ID: user(ADMIN_ID, "Ada", is_admin=True), "U1ASKER": user("U1ASKER", "Sam")}
        self.groups: dict[str, list[str]] = {}  # user group id → its members, for usergroups.users.list
        self.threads: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (channel, thread ts) → its messages
        self._ts = itertools.count(1)
        self._envelopes = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- life cycle -------------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # conversations.info and other reads are GETs
        app.router.add_post("/response/{id}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # --- what the bot did -------------------------------------------------------------------------------------
    def of(self, method: str, status: int = 200) -> list[Call]:
        return [call for call in self.calls if call.method == method and call.status == status]

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = WAIT_SECONDS) -> Any:  # noqa: ASYNC109
        """Wait until `predicate()` is truthy, re-checked at every request and ack, for at most `timeout` s."""
        async with asyncio.timeout(timeout), self._changed:
            while not (result := predicate()):
                with contextlib.suppress(TimeoutError):  # also re-check now and then, for state outside this server
                    await asyncio.wait_for(self._changed.wait(), POLL_SECONDS)
            return result

    async def wait_for(self, method: str, count: int = 1, status: int = 200) -> Call:
        """The `count`-th successful call to `method`."""
        calls = await self.wait_until(lambda: len(self.of(method, status)) >= count and self.of(method, status))
        return calls[count - 1]

    async def _note(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- Web API ----------------------------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        body = json.loads(raw or "{}") if request.content_type == "application/json" else dict(parse_qsl(raw))
        body.update(request.query)
        token = self.app_token if method == "apps.connections.open" else self.bot_token
        if request.headers.get("Authorization") != f"Bearer {token}":
            return self._record(method, body, 200, {"ok": False, "error": "invalid_auth"})
        if self.scripted.get(method):
            status, headers = self.scripted[method].pop(0)
            return self._record(method, body, status, {"ok": False, "error": "ratelimited"}, headers)
        return self._record(method, body, 200, self._result(method, body))

    def _record(
        self,
        method: str,
        body: dict[str, Any],
        status: int,
        result: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        self.calls.append(Call(method, body, status, result))
        asyncio.get_running_loop().create_task(self._note())
        return web.json_response(result, status=status, headers=headers)

    def _result(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "user": "faq",
                "team_id": TEAM_ID,
                "team": "T",
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        ts = f"1700000000.{next(self._ts):06d}"
        if method == "chat.postMessage":
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": {"ts": ts, **body}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "conversations.info":
            channel = str(body.get("channel"))
            direct, group = channel.startswith("D"), channel in self.group_dms
            kinds = {"is_im": direct, "is_mpim": group, "is_channel": not (direct or group)}
            return {"ok": True, "channel": {"id": channel, **kinds}}
        return self._admin_result(method, body) or {"ok": False, "error": "unknown_method"}

    def _admin_result(self, method: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The reads and the modal the admin commands use."""
        if method == "users.info":
            found = self.users.get(str(body.get("user")))
            return {"ok": True, "user": found} if found else {"ok": False, "error": "user_not_found"}
        if method == "usergroups.users.list":
            members = self.groups.get(str(body.get("usergroup")))
            return {"ok": True, "users": members} if members is not None else {"ok": False, "error": "no_such_subteam"}
        if method == "views.open":
            return {"ok": True, "view": {"id": f"V{next(self._ts)}", **body.get("view", {})}}
        if method == "chat.getPermalink":
            channel, ts = str(body.get("channel")), str(body.get("message_ts"))
            link = f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        if method == "conversations.replies":
            thread = self.threads.get((str(body.get("channel")), str(body.get("ts"))))
            return {"ok": True, "messages": thread[:1]} if thread else {"ok": False, "error": "thread_not_found"}
        return None

    async def _response_url(self, request: web.Request) -> web.Response:
        body = await request.json()
        body["response_url"] = request.match_info["id"]
        self.calls.append(Call("response_url", body, 200))
        await self._note()
        return web.Response(text="ok")

    # --- Socket Mode ------------------------------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(Socket(ws, request, len(self.sockets) + 1))
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        await self._note()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                ack = json.loads(message.data)
                self.acks[ack["envelope_id"]] = ack
                await self._note()
        return ws

    @property
    def live(self) -> Socket:
        return self.sockets[-1]

    async def send(self, message: dict[str, Any] | str) -> None:
        """To the bot's newest socket. One the bot is replacing (its pings went unanswered while a reload held the
        loop) gets the message on the next it opens, as Slack redelivers what a connection never took."""
        text = message if isinstance(message, str) else json.dumps(message)
        socket = self.live
        try:
            if socket.ws.closed:
                raise ConnectionResetError("the bot closed this socket")
            await socket.ws.send_str(text)
        except ConnectionResetError:  # aiohttp's "cannot write to closing transport" is one
            await self.wait_until(lambda: self.live.number > socket.number and not self.live.ws.closed)
            await self.live.ws.send_str(text)

    async def envelope(self, kind: str, payload: dict[str, Any], accepts_response_payload: bool = False) -> str:
        envelope_id = f"env-{next(self._envelopes)}"
        message = {"envelope_id": envelope_id, "type": kind, "payload": payload}
        if accepts_response_payload:
            message["accepts_response_payload"] = True
        await self.send(message)
        return envelope_id

    async def acked(self, envelope_id: str) -> dict[str, Any]:
        return await self.wait_until(lambda: self.acks.get(envelope_id))

    async def disconnect(self, reason: str) -> None:
        await self.send({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}})

    def drop(self) -> None:
        """Cut the TCP connection under the socket with no close frame, as a network failure would."""
        transport = self.live.request.transport
        if transport is not None:
            transport.abort()
