"""HTTP mode: `/slack/events` on HTTP_PORT beside the health endpoint; only correctly signed, fresh requests count."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import socket
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.holder import EngineHolder
from bot.runner import serve
from bot.slack.service import SlackService
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import fake_slack, slack_settings

pytestmark = pytest.mark.e2e

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signed(body: str, secret: str = SECRET, age: float = 0) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


async def test_only_signed_fresh_requests_are_processed(tmp_path: Path) -> None:
    port = free_port()
    async with fake_slack() as fake:
        settings = slack_settings(fake, tmp_path, slack_app_token=None, slack_signing_secret=SECRET, http_port=port)
        holder = EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin)
        service = SlackService(settings, holder)
        running = asyncio.create_task(serve(settings, holder, [service]))
        url = f"http://127.0.0.1:{port}/slack/events"

        def body(name: str) -> str:
            return urlencode(payloads.slash("How do I get a role?", fake.response_url(name)))

        async with aiohttp.ClientSession() as session:
            await fake.wait_until(lambda: service.is_connected() or running.done())
            statuses = {}
            for name, headers in [
                ("bad", signed(body("bad"), secret="not-the-secret")),
                ("stale", signed(body("stale"), age=600)),
                ("unsigned", {"Content-Type": "application/x-www-form-urlencoded"}),
                ("good", signed(body("good"))),
            ]:
                async with session.post(url, data=body(name), headers=headers) as response:
                    statuses[name] = response.status
            answer = (await fake.wait_for("response_url")).body
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                health = await response.json()
        await service.close()
        async with asyncio.timeout(10):
            code = await running
    assert statuses == {"bad": 401, "stale": 401, "unsigned": 401, "good": 200}
    assert [call.body["response_url"] for call in fake.of("response_url")] == ["good"]
    assert answer["response_type"] == "in_channel"
    assert health["connections"]["slack"]["ok"] is True
    assert code == 0


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
