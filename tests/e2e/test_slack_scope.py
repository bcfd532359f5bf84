"""Whose records a Slack question joins: its workspace's (by team id, beside the platform), a direct message none."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store import Scope
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import running_slack
from tests.e2e.fake_slack.server import TEAM_ID

pytestmark = pytest.mark.e2e


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
