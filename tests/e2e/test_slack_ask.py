"""`/ask` over Socket Mode: acknowledged by envelope id, answered in the channel or only to the asker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import replies
from tests.bidi import PDF, PDI, QUESTION, RLI, RLO, controls_in, knowledge_with_controls
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import DECLINING, running_slack

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


async def test_ask_out_of_scope_declines_to_the_asker_alone_with_did_you_mean(tmp_path: Path) -> None:
    async with running_slack(tmp_path, **DECLINING) as slack:
        fake = slack.fake
        await fake.envelope("slash_commands", payloads.slash("python setup environment", fake.response_url("r1")))
        reply = (await fake.wait_for("response_url")).body
    assert reply["response_type"] == "ephemeral"
    texts = [block["text"]["text"] for block in reply["blocks"] if block["type"] == "section"]
    assert texts == [">python setup environment", replies.DECLINE, replies.DID_YOU_MEAN]
    buttons = reply["blocks"][-1]["elements"]
    assert [button["value"].split(":")[0] for button in buttons] == ["virtualenv", "python-install"]
    assert all(button["action_id"].startswith("pick:") for button in buttons)


@pytest.mark.parametrize("text", ["", "help", "  "])
async def test_ask_alone_or_help_explains_and_lists_topics(tmp_path: Path, text: str) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        await fake.envelope("slash_commands", payloads.slash(text, fake.response_url("r1")))
        reply = (await fake.wait_for("response_url")).body
    assert reply["response_type"] == "ephemeral"
    shown = str(reply["blocks"])
    assert replies.TOPICS in shown
    assert "How do I make a virtual environment?" in shown
    assert "/ask" in reply["text"]


async def test_cooldown_and_length_refusals_go_to_the_asker_alone(tmp_path: Path) -> None:
    async with running_slack(tmp_path, cooldown_seconds=60, cooldown_burst=1, question_max_chars=40) as slack:
        fake = slack.fake
        await fake.envelope("slash_commands", payloads.slash("How do I get a role?", fake.response_url("first")))
        await fake.wait_for("response_url")
        await fake.envelope("slash_commands", payloads.slash("What are the server rules?", fake.response_url("again")))
        again = (await fake.wait_for("response_url", 2)).body
        long = "word " * 20
        await fake.envelope("slash_commands", payloads.slash(long, fake.response_url("long"), user="U3OTHER"))
        too_long = (await fake.wait_for("response_url", 3)).body
    assert again["response_type"] == too_long["response_type"] == "ephemeral"
    assert again["text"].startswith(replies.SLOW_DOWN.split("{")[0])
    assert too_long["text"].startswith(replies.TOO_LONG.split("(")[0])


async def test_mass_mentions_in_a_question_are_never_echoed_live(tmp_path: Path) -> None:
    question = "<!channel> <!here> <!everyone> <!subteam^S0ADMINS|@admins> <@U0BOSS> how do I get a role?"
    async with running_slack(tmp_path, match_threshold=20.0, match_margin=0.0) as slack:  # answered despite the noise
        fake = slack.fake
        await fake.envelope("slash_commands", payloads.slash(question, fake.response_url("r1")))
        reply = (await fake.wait_for("response_url")).body
    assert reply["response_type"] == "in_channel", reply  # answered: the question is quoted for everyone
    quoted = reply["blocks"][0]["text"]["text"]
    assert quoted == ">@channel @here @everyone @admins @U0BOSS how do I get a role?"
    everything = str(reply)
    for control in ("<!channel", "<!here", "<!everyone", "<!subteam", "<@U0BOSS"):
        assert control not in everything


async def test_nothing_posted_or_recorded_holds_a_bidirectional_control(tmp_path: Path) -> None:
    knowledge = knowledge_with_controls(tmp_path)
    asked = f"How do I switch the {RLO}lights on?{PDF} {RLI}now{PDI}"
    async with running_slack(tmp_path, knowledge_dir=knowledge) as slack:
        fake = slack.fake
        await fake.envelope("slash_commands", payloads.slash(asked, fake.response_url("r1")))
        reply = (await fake.wait_for("response_url")).body
        await slack.store.flush()
        recorded = [row.question for row in await slack.store.questions()]  # what the admins' reports show
    assert recorded == ["How do I switch the lights on? now"]
    assert reply["response_type"] == "in_channel", reply
    assert reply["blocks"][0]["text"]["text"] == ">How do I switch the lights on? now"
    assert reply["blocks"][1]["text"]["text"] == QUESTION
    assert controls_in(json.dumps(reply, ensure_ascii=False)) == set()
