"""Whose records a Slack question joins: its workspace's (by team id, beside the platform), a direct message none;
and with SLACK_ALLOWED_WORKSPACE_IDS, nothing at all from another workspace."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.store import Scope
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import running_slack
from tests.e2e.fake_slack.server import TEAM_ID
from tests.e2e.test_slack_buttons import buttons

pytestmark = pytest.mark.e2e

ELSEWHERE = "T0ELSEWHERE"


def from_elsewhere(payload: dict[str, Any]) -> dict[str, Any]:
    """The same request as sent from another workspace: every team id in it changed."""
    return json.loads(json.dumps(payload).replace(TEAM_ID, ELSEWHERE))


async def test_questions_are_recorded_under_the_workspace_and_direct_messages_under_none(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        await fake.envelope("slash_commands", payloads.slash("How do I get a role?", fake.response_url("channel")))
        await fake.wait_for("response_url")
        await fake.envelope("events_api", payloads.mention("What are the server rules?"))
        await fake.wait_for("chat.postMessage")
        await fake.envelope("events_api", payloads.message("How do I install Python?"))
        await fake.wait_for("chat.postMessage", 2)
        direct = payloads.slash("How do I make a virtual environment?", fake.response_url("dm"), channel="D1DIRECT")
        await fake.envelope("slash_commands", direct)
        await fake.wait_for("response_url", 2)
        recorded = {(row.question, row.platform, row.guild) for row in await slack.store.questions()}
        workspace = {row.question for row in await slack.store.questions(scope=Scope("slack", TEAM_ID))}
    assert recorded == {
        ("How do I get a role?", "slack", TEAM_ID),
        ("What are the server rules?", "slack", TEAM_ID),
        ("How do I install Python?", "slack", None),
        ("How do I make a virtual environment?", "slack", None),
    }
    assert workspace == {"How do I get a role?", "What are the server rules?"}


async def test_a_mention_in_a_group_dm_is_recorded_under_no_workspace(tmp_path: Path) -> None:
    """An app_mention says nothing of its conversation's kind: Slack is asked, once a channel."""
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        fake.group_dms.add("G1GROUP")
        for question in ("What are the server rules?", "How do I get a role?"):
            await fake.envelope("events_api", payloads.mention(question, channel="G1GROUP"))
        await fake.envelope("events_api", payloads.mention("How do I install Python?"))
        await fake.wait_for("chat.postMessage", 3)
        recorded = {(row.question, row.guild) for row in await slack.store.questions()}
    assert recorded == {
        ("What are the server rules?", None),
        ("How do I get a role?", None),
        ("How do I install Python?", TEAM_ID),
    }
    assert sorted(call.body["channel"] for call in fake.of("conversations.info")) == ["C1GENERAL", "G1GROUP"]


async def test_a_mention_where_slack_will_not_say_the_kind_is_recorded_as_private(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        fake.scripted["conversations.info"] = [(200, {})]  # an error answer, as a missing scope gets
        await fake.envelope("events_api", payloads.mention("What are the server rules?"))
        await fake.wait_for("chat.postMessage")  # still answered
        recorded = [(row.question, row.guild) for row in await slack.store.questions()]
    assert recorded == [("What are the server rules?", None)]
    assert "recording it as private" in caplog.text


async def test_events_commands_and_actions_from_a_workspace_not_allowed_are_acknowledged_and_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.app")
    async with running_slack(tmp_path, slack_allowed_workspace_ids=TEAM_ID) as slack:
        fake = slack.fake
        await fake.envelope("events_api", payloads.mention("How do I get a role?"))
        answer = await fake.wait_for("chat.postMessage")
        requests = [
            ("slash_commands", payloads.slash("What are the server rules?", fake.response_url("command"))),
            ("events_api", payloads.mention("What are the server rules?")),
            ("events_api", payloads.message("How do I install Python?")),
            (
                "interactive",
                payloads.block_action(buttons(answer)["vote:up"], answer.posted, fake.response_url("vote")),
            ),
        ]
        for kind, payload in requests:
            await fake.acked(await fake.envelope(kind, from_elsewhere(payload)))
        # One more request from the allowed workspace: once it is answered, so would the others have been.
        await fake.envelope("slash_commands", payloads.slash("How do I install Python?", fake.response_url("allowed")))
        await fake.wait_for("response_url")
        questions = [row.question for row in await slack.store.questions()]
        votes = await slack.store.votes()
    assert [call.body["response_url"] for call in fake.of("response_url")] == ["allowed"]
    assert len(fake.of("chat.postMessage")) == 1
    assert questions == ["How do I get a role?", "How do I install Python?"]
    assert votes == []
    ignored = f"ignored a request from Slack workspace {ELSEWHERE}: it is not in SLACK_ALLOWED_WORKSPACE_IDS"
    assert [record.getMessage() for record in caplog.records if record.name == "bot.slack.app"] == [ignored] * 4
