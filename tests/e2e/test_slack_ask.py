"""`/ask` over Socket Mode: acknowledged by envelope id, answered in the channel or only to the asker."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import replies
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import running_slack

pytestmark = pytest.mark.e2e


async def test_ask_in_scope_is_answered_in_the_channel_with_the_question_quoted(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        envelope = await fake.envelope(
            "slash_commands", payloads.slash("How do I get a role?", fake.response_url("r1"))
        )
        await fake.acked(envelope)
        reply = (await fake.wait_for("response_url")).body
    assert reply["response_type"] == "in_channel"
    assert reply["blocks"][0]["text"]["text"] == ">How do I get a role?"
    assert reply["blocks"][1] == {"type": "header", "text": {"type": "plain_text", "text": "How do I get a role?"}}
    assert "*#roles*" in reply["blocks"][2]["text"]["text"]
    assert "<https://example.org/handbook|Community Handbook, Roles>" in reply["blocks"][3]["elements"][0]["text"]
    actions = [element["action_id"] for element in reply["blocks"][4]["elements"]]
    assert actions == ["vote:up", "vote:down"]
    assert reply["text"].startswith("*How do I get a role?*")
