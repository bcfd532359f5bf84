"""HTTP mode: `/slack/events` on HTTP_PORT beside the health endpoint; only correctly signed, fresh requests count."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.holder import EngineHolder
from bot.runner import serve
from bot.slack.http_mode import BODY_MAX_BYTES
from bot.slack.service import SlackService
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import fake_slack, slack_settings
from tests.e2e.fake_slack.server import FakeSlack

pytestmark = pytest.mark.e2e

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signed(
    body: str | bytes, secret: str = SECRET, age: float = 0, content_type: str = "application/x-www-form-urlencoded"
) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}", "Content-Type": content_type}


@dataclass
class Http:
    fake: FakeSlack
    session: aiohttp.ClientSession
    url: str

    async def post(self, body: str | bytes, headers: dict[str, str]) -> int:
        async with self.session.post(self.url, data=body, headers=headers) as response:
            return response.status


@asynccontextmanager
async def http_slack(data_dir: Path) -> AsyncIterator[Http]:
    """The Slack service in HTTP mode, its events endpoint on a free port, stopped cleanly afterwards."""
    port = free_port()
    async with fake_slack() as fake:
        settings = slack_settings(fake, data_dir, slack_app_token=None, slack_signing_secret=SECRET, http_port=port)
        holder = EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin)
        service = SlackService(settings, holder)
        running = asyncio.create_task(serve(settings, holder, [service]))
        async with aiohttp.ClientSession() as session:
            await fake.wait_until(lambda: service.is_connected() or running.done())
            yield Http(fake, session, f"http://127.0.0.1:{port}/slack/events")
        await service.close()
        async with asyncio.timeout(10):
            assert await running == 0


async def test_only_signed_fresh_requests_are_processed(tmp_path: Path) -> None:
    async with http_slack(tmp_path) as slack:

        def body(name: str) -> str:
            return urlencode(payloads.slash("How do I get a role?", slack.fake.response_url(name)))

        statuses = {}
        for name, headers in [
            ("bad", signed(body("bad"), secret="not-the-secret")),
            ("stale", signed(body("stale"), age=600)),
            ("unsigned", {"Content-Type": "application/x-www-form-urlencoded"}),
            ("good", signed(body("good"))),
        ]:
            statuses[name] = await slack.post(body(name), headers)
        answer = (await slack.fake.wait_for("response_url")).body
        async with slack.session.get(slack.url.replace("/slack/events", "/healthz")) as response:
            health = await response.json()
    assert statuses == {"bad": 401, "stale": 401, "unsigned": 401, "good": 200}
    assert [call.body["response_url"] for call in slack.fake.of("response_url")] == ["good"]
    assert answer["response_type"] == "in_channel"
    assert health["connections"]["slack"]["ok"] is True


async def test_a_refused_token_stops_every_service_with_exit_1(tmp_path: Path) -> None:
    async with fake_slack() as fake:
        good = slack_settings(fake, tmp_path)
        refused = slack_settings(fake, tmp_path, slack_bot_token="xoxb-9-9-notKnownToSlack")
        holder = EngineHolder(good.knowledge_dir, good.match_threshold, good.match_margin)
        serving, failing = SlackService(good, holder), SlackService(refused, holder)
        async with asyncio.timeout(10):
            code = await serve(good, holder, [serving, failing])
    assert code == 1
    assert all(socket.ws.closed for socket in fake.sockets)  # the good one closed too, had it connected
    assert not serving.is_connected()


def answered_urls(fake: FakeSlack) -> list[str]:
    """The response URLs the bot has answered, by their names."""
    return [call.body["response_url"] for call in fake.of("response_url")]


def posted_titles(fake: FakeSlack) -> list[str]:
    """The title of each message the bot has posted, in order."""
    return [call.body["blocks"][0]["text"]["text"] for call in fake.of("chat.postMessage")]


def slack_log(records: list[logging.LogRecord]) -> list[str]:
    """What the bot and Bolt wrote to the log, as the lines a handler would write."""
    return [
        logging.Formatter("%(message)s").format(record)
        for record in records
        if record.name.startswith(("bot.", "slack_bolt"))
    ]


async def test_a_request_is_refused_on_its_signature_before_its_body_is_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with http_slack(tmp_path) as slack:
        statuses = [
            await slack.post("{not json", {"Content-Type": "application/json"}),
            await slack.post("a=1", {**form, "X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}),
            await slack.post(b"a=\xff\xfe", signed(b"a=\xff\xfe")),
            await slack.post("a=1", {**form, "X-Slack-Request-Timestamp": "1e3", "X-Slack-Signature": "v0=00"}),
        ]
    assert statuses == [401, 401, 401, 401]
    assert not [record for record in caplog.records if record.exc_info]


async def test_a_flood_of_bad_requests_logs_a_line_a_second_and_never_a_body(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = "text=" + "x" * 10_000 + "\nERROR forged line"
    async with http_slack(tmp_path) as slack:
        started = time.monotonic()
        statuses = {await slack.post(body, {"Content-Type": "application/x-www-form-urlencoded"}) for _ in range(100)}
    refused = [line for line in slack_log(caplog.records) if "refused" in line or "signature" in line]
    assert statuses == {401}
    assert 1 <= len(refused) <= 2 + int(time.monotonic() - started)
    assert sum(len(line) for line in refused) < 200 * len(refused)
    assert not [line for line in slack_log(caplog.records) if "forged" in line or "xxxx" in line]


async def test_a_body_over_the_limit_is_refused_even_when_signed(tmp_path: Path) -> None:
    big = "text=" + "x" * BODY_MAX_BYTES
    async with http_slack(tmp_path) as slack:
        status = await slack.post(big, signed(big))
        calls = list(slack.fake.calls)
    assert status == 413
    assert [call.method for call in calls] == ["auth.test"]


async def test_a_replayed_signed_request_is_refused_and_not_answered_twice(tmp_path: Path) -> None:
    async with http_slack(tmp_path) as slack:
        body = urlencode(payloads.slash("How do I get a role?", slack.fake.response_url("once")))
        headers = signed(body)
        first, replayed = await slack.post(body, headers), await slack.post(body, headers)
        # Questions are answered in the order they come: once a later one is, the replay was dealt with too.
        marker = urlencode(payloads.slash("What are the server rules?", slack.fake.response_url("marker")))
        await slack.post(marker, signed(marker))
        await slack.fake.wait_until(lambda: "marker" in answered_urls(slack.fake))
    assert (first, replayed) == (200, 401)
    assert sorted(answered_urls(slack.fake)) == ["marker", "once"]


async def test_slacks_retry_of_an_event_already_received_is_acknowledged_and_dropped(tmp_path: Path) -> None:
    async with http_slack(tmp_path) as slack:
        event = json.dumps(payloads.mention("How do I get a role?"))
        first = await slack.post(event, signed(event, content_type="application/json"))
        await slack.fake.wait_for("chat.postMessage")
        await asyncio.sleep(1.1)  # a new timestamp: Slack signs a retry afresh
        retried = await slack.post(event, signed(event, content_type="application/json") | {"X-Slack-Retry-Num": "1"})
        # Events are answered in the order they come: once a later one is, the retry was dealt with too.
        other = json.dumps(payloads.mention("What are the server rules?"))
        await slack.post(other, signed(other, content_type="application/json"))
        await slack.fake.wait_until(lambda: "What are the server rules?" in posted_titles(slack.fake))
    assert (first, retried) == (200, 200)
    assert posted_titles(slack.fake) == ["How do I get a role?", "What are the server rules?"]
