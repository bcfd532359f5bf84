"""Rate limits, server errors, reconnects and malformed envelopes: answers go on, the process stays up."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.slack.app import SERVER_ERROR_RETRIES
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import running_slack
from tests.e2e.fake_slack.server import FakeSlack

pytestmark = pytest.mark.e2e


async def answered_over(fake: FakeSlack, name: str) -> dict:
    """Ask with /ask and return the answer that came back on the response URL `name`."""
    await fake.envelope("slash_commands", payloads.slash("How do I get a role?", fake.response_url(name)))
    return (await fake.wait_until(lambda: [c for c in fake.of("response_url") if c.body["response_url"] == name]))[
        0
    ].body


async def test_a_429_is_waited_out_for_its_retry_after_then_retried(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        fake.scripted["chat.postMessage"] = [(429, {"Retry-After": "1"})]
        await fake.envelope("events_api", payloads.mention("How do I get a role?"))
        delivered = await fake.wait_for("chat.postMessage")
    limited = fake.of("chat.postMessage", 429)
    assert len(limited) == 1
    assert delivered.body == limited[0].body
    assert delivered.at - limited[0].at >= 1.0


async def test_a_5xx_is_retried_a_bounded_number_of_times(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        fake.scripted["chat.postMessage"] = [(503, {})]
        await fake.envelope("events_api", payloads.mention("How do I get a role?"))
        await fake.wait_for("chat.postMessage")
        fake.scripted["chat.postMessage"] = [(500, {})] * 10
        await fake.envelope("events_api", payloads.mention("What are the server rules?"))
        await fake.wait_until(lambda: len(fake.of("chat.postMessage", 500)) == 1 + SERVER_ERROR_RETRIES)
        await fake.acked(await fake.envelope("events_api", payloads.mention("x")))  # let a further retry show
        assert len(fake.of("chat.postMessage", 500)) == 1 + SERVER_ERROR_RETRIES
        assert await answered_over(fake, "after")  # still serving


@pytest.mark.parametrize("reason", ["refresh_requested", "link_disabled"])
async def test_a_disconnect_message_is_followed_by_a_new_socket(tmp_path: Path, reason: str) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        await fake.disconnect(reason)
        await fake.wait_until(lambda: len(fake.sockets) == 2 and slack.service.is_connected())
        assert len(fake.of("apps.connections.open")) == 2
        assert fake.sockets[0].ws.closed
        assert (await answered_over(fake, "after"))["response_type"] == "in_channel"


async def test_a_dropped_socket_is_followed_by_a_new_one(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        fake.drop()
        await fake.wait_until(lambda: len(fake.sockets) == 2 and slack.service.is_connected())
        assert len(fake.of("apps.connections.open")) == 2
        assert (await answered_over(fake, "after"))["response_type"] == "in_channel"


async def test_malformed_envelopes_are_logged_and_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        await fake.send("not json at all")
        await fake.send("{broken json")
        await fake.send({"type": "events_api", "payload": {}})
        await fake.send({"envelope_id": "bad-payload", "type": "events_api", "payload": "a string"})
        await fake.send({"envelope_id": "no-event", "type": "events_api", "payload": {"type": "event_callback"}})
        half_click = {"type": "block_actions", "actions": [{"action_id": "vote:up"}]}
        await fake.send({"envelope_id": "half-click", "type": "interactive", "payload": half_click})
        empty_event = payloads.event_callback({"type": "app_mention"})
        await fake.send({"envelope_id": "empty-event", "type": "events_api", "payload": empty_event})
        for envelope_id in ("bad-payload", "no-event", "half-click", "empty-event"):
            await fake.acked(envelope_id)
        assert (await answered_over(fake, "after"))["response_type"] == "in_channel"
        assert slack.service.is_connected()
    skipped = [record for record in caplog.records if "malformed" in record.getMessage()]
    assert len(skipped) >= 3
    assert not fake.of("chat.postMessage")
