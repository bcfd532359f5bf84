"""Mentions, direct messages and answer channels: answered in the asking message's thread, never top level."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import replies
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import running_slack
from tests.e2e.fake_slack.server import BOT_ID, BOT_USER_ID

pytestmark = pytest.mark.e2e


async def test_a_mention_is_answered_in_its_thread(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        event = payloads.mention("how do I make a virtual environment?")
        envelope = await fake.envelope("events_api", event)
        await fake.acked(envelope)
        post = (await fake.wait_for("chat.postMessage")).body
    assert post["channel"] == "C1GENERAL"
    assert post["thread_ts"] == event["event"]["ts"]
    assert post["link_names"] is False
    assert post["blocks"][0]["text"]["text"] == "How do I make a virtual environment?"
    assert "`python -m venv .venv`" in post["blocks"][1]["text"]["text"]


async def test_a_mention_inside_a_thread_is_answered_in_that_thread(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        await fake.envelope("events_api", payloads.mention("server rules", thread_ts="1680000000.000100"))
        post = (await fake.wait_for("chat.postMessage")).body
    assert post["thread_ts"] == "1680000000.000100"


async def test_a_direct_message_is_answered_in_its_thread(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        event = payloads.message("When is the next community event?")
        await fake.envelope("events_api", event)
        post = (await fake.wait_for("chat.postMessage")).body
    assert post["channel"] == "D1DIRECT"
    assert post["thread_ts"] == event["event"]["ts"]
    assert post["blocks"][0]["text"]["text"] == "When is the next community event?"


async def test_a_mention_with_no_question_gets_help_privately(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        event = payloads.mention("")
        await fake.envelope("events_api", event)
        ephemeral = (await fake.wait_for("chat.postEphemeral")).body
    assert ephemeral["user"] == "U1ASKER"
    assert ephemeral["thread_ts"] == event["event"]["ts"]
    assert replies.TOPICS in str(ephemeral["blocks"])
    assert not fake.of("chat.postMessage")


async def test_bots_edits_deletions_and_unmentioned_channel_messages_are_ignored(tmp_path: Path) -> None:
    question = "How do I install Python?"
    ignored = [
        payloads.message(question, bot_id="B0OTHER"),
        payloads.message(question, subtype="bot_message", bot_id="B0OTHER"),
        payloads.message(question, user=BOT_USER_ID, bot_id=BOT_ID),
        payloads.message(question, subtype="message_changed", message={"text": question, "user": "U1ASKER"}),
        payloads.message(question, subtype="message_deleted", previous_message={"text": question}),
        payloads.message(question, channel="C1GENERAL", channel_type="channel"),
        payloads.mention(question, bot_id="B0OTHER"),
        payloads.mention(question, edited={"user": "U1ASKER", "ts": "1.2"}),
    ]
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        for event in ignored:
            await fake.acked(await fake.envelope("events_api", event))
        answered = payloads.message("What are the server rules?")
        await fake.envelope("events_api", answered)
        post = (await fake.wait_for("chat.postMessage")).body
    assert post["thread_ts"] == answered["event"]["ts"]
    assert len(fake.of("chat.postMessage")) == 1
    assert not fake.of("chat.postEphemeral")


async def test_answer_channels_answer_top_level_questions_without_a_mention(tmp_path: Path) -> None:
    async with running_slack(tmp_path, slack_answer_channel_ids="C9ANSWERS") as slack:
        fake = slack.fake
        elsewhere = payloads.message("server rules", channel="C1GENERAL", channel_type="channel")
        in_thread = payloads.message("server rules", channel="C9ANSWERS", channel_type="channel", thread_ts="1.5")
        for event in (elsewhere, in_thread):
            await fake.acked(await fake.envelope("events_api", event))
        top_level = payloads.message("How do I get a role?", channel="C9ANSWERS", channel_type="channel")
        await fake.envelope("events_api", top_level)
        post = (await fake.wait_for("chat.postMessage")).body
    assert (post["channel"], post["thread_ts"]) == ("C9ANSWERS", top_level["event"]["ts"])
    assert post["blocks"][0]["text"]["text"] == "How do I get a role?"
    assert len(fake.of("chat.postMessage")) == 1


async def test_help_in_an_answer_channel_is_not_for_the_bot(tmp_path: Path) -> None:
    async with running_slack(tmp_path, slack_answer_channel_ids="C9ANSWERS") as slack:
        fake = slack.fake
        chatter = payloads.message("help", channel="C9ANSWERS", channel_type="channel")
        await fake.envelope("events_api", chatter)
        marker = payloads.message("How do I get a role?", channel="C9ANSWERS", channel_type="channel")
        await fake.envelope("events_api", marker)
        post = (await fake.wait_for("chat.postMessage")).body
    assert post["thread_ts"] == marker["event"]["ts"]
    assert not fake.of("chat.postEphemeral")
