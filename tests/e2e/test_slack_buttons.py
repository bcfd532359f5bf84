"""The buttons on answers: a vote counts once per user and card; a suggestion or related card posts in the thread."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot import replies
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import DECLINING, running_slack
from tests.e2e.fake_slack.server import Call, FakeSlack

pytestmark = pytest.mark.e2e


async def eventually(read: Callable[[], Awaitable[list[Any]]], seconds: float = 5.0) -> list[Any]:
    """Rows the store's background writer has written, waiting for them at most `seconds`."""
    async with asyncio.timeout(seconds):
        while not (rows := await read()):  # noqa: ASYNC110 - the database has no event to wait on
            await asyncio.sleep(0.05)
    return rows


def posts(fake: FakeSlack) -> list[Call]:
    return fake.of("chat.postMessage")


def title(call: Call) -> str:
    return str(call.body["blocks"][0]["text"]["text"])


def buttons(call: Call) -> dict[str, dict[str, Any]]:
    return {
        element["action_id"]: element
        for block in call.body["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


async def test_a_vote_is_recorded_once_per_user_and_card(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        await fake.envelope("events_api", payloads.mention("How do I get a role?"))
        answer = await fake.wait_for("chat.postMessage")
        up, down = buttons(answer)["vote:up"], buttons(answer)["vote:down"]
        await fake.envelope("interactive", payloads.block_action(up, answer.posted, fake.response_url("v1")))
        first = (await fake.wait_for("response_url")).body
        await fake.envelope("interactive", payloads.block_action(down, answer.posted, fake.response_url("v2")))
        second = (await fake.wait_for("response_url", 2)).body
        other = payloads.block_action(down, answer.posted, fake.response_url("v3"), user="U3SOMEONE")
        await fake.envelope("interactive", other)
        third = (await fake.wait_for("response_url", 3)).body
        votes = await slack.store.votes()
        questions = await slack.store.questions()
    assert first["text"] == replies.FEEDBACK_THANKS
    assert second["text"] == replies.FEEDBACK_ALREADY
    assert third["text"] == replies.FEEDBACK_THANKS
    assert first["response_type"] == "ephemeral"
    assert first["replace_original"] is False
    assert first["thread_ts"] == answer.body["thread_ts"]
    assert sorted((vote.card, vote.helpful) for vote in votes) == [("roles", False), ("roles", True)]
    assert {vote.question_id for vote in votes} == {questions[0].id}
    assert questions[0].platform == "slack"
    assert "U1ASKER" not in questions[0].user_hash


async def test_did_you_mean_posts_the_picked_card_in_the_same_thread(tmp_path: Path) -> None:
    async with running_slack(tmp_path, **DECLINING) as slack:
        fake = slack.fake
        await fake.envelope("events_api", payloads.mention("python setup environment"))
        decline = await fake.wait_for("chat.postMessage")
        assert decline.body["blocks"][0]["text"]["text"] == replies.DECLINE
        pick = buttons(decline)["pick:1"]
        await fake.envelope("interactive", payloads.block_action(pick, decline.posted, fake.response_url("p1")))
        answer = (await fake.wait_for("chat.postMessage", 2)).body
        picks = await eventually(slack.store.picks)
    assert pick["value"].startswith("python-install:")
    assert answer["thread_ts"] == decline.body["thread_ts"]
    assert answer["blocks"][0]["text"]["text"] == "How do I install Python?"
    assert [row.card for row in picks] == ["python-install"]


async def test_a_related_card_posts_in_the_thread_without_counting_as_a_pick(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        await fake.envelope("events_api", payloads.mention("How do I install Python?"))
        answer = await fake.wait_for("chat.postMessage")
        related = buttons(answer)["related:0"]
        await fake.envelope("interactive", payloads.block_action(related, answer.posted, fake.response_url("r1")))
        posted = (await fake.wait_for("chat.postMessage", 2)).body
        await eventually(slack.store.questions)
        await slack.store.flush()
        picks = await slack.store.picks()
    assert related["text"]["text"] == "How do I make a virtual environment?"
    assert posted["thread_ts"] == answer.body["thread_ts"]
    assert posted["blocks"][0]["text"]["text"] == "How do I make a virtual environment?"
    assert picks == []


async def test_a_pick_on_a_private_decline_posts_the_answer_in_the_channel(tmp_path: Path) -> None:
    async with running_slack(tmp_path, **DECLINING) as slack:
        fake = slack.fake
        await fake.envelope("slash_commands", payloads.slash("python setup environment", fake.response_url("ask")))
        decline = await fake.wait_for("response_url")
        pick = buttons(decline)["pick:0"]
        click = payloads.block_action(pick, {"channel": "C1GENERAL", "ts": "1.1"}, fake.response_url("pick"))
        click["container"]["is_ephemeral"] = True
        await fake.envelope("interactive", click)
        answer = (await fake.wait_for("response_url", 2)).body
    assert answer["response_url"] == "pick"
    assert answer["response_type"] == "in_channel"
    assert answer["blocks"][0]["text"]["text"] == "How do I make a virtual environment?"


async def test_card_clicks_share_the_clickers_cooldown_with_questions(tmp_path: Path) -> None:
    async with running_slack(tmp_path, cooldown_seconds=60, cooldown_burst=3, **DECLINING) as slack:
        fake = slack.fake
        await fake.envelope("events_api", payloads.mention("python setup environment", user="U1ASKER"))
        decline = await fake.wait_for("chat.postMessage")
        pick = buttons(decline)["pick:1"]
        await fake.envelope("interactive", payloads.block_action(pick, decline.posted, "p", user="U1ASKER"))
        answer = await fake.wait_for("chat.postMessage", 2)
        related = buttons(answer)["related:0"]
        await fake.envelope("interactive", payloads.block_action(related, answer.posted, "r", user="U1ASKER"))
        await fake.wait_for("chat.postMessage", 3)  # a question and two clicks: the burst of three is spent
        for n in range(27):
            button, posted = (pick, decline) if n % 2 else (related, answer)
            click = payloads.block_action(button, posted.posted, fake.response_url(f"c{n}"), user="U1ASKER")
            await fake.envelope("interactive", click)
        await fake.wait_for("response_url", 27)
        other = payloads.block_action(related, answer.posted, fake.response_url("other"), user="U3SOMEONE")
        await fake.envelope("interactive", other)
        # Envelopes are dealt with in the order they come: once a later question is answered, every click was too.
        await fake.envelope("events_api", payloads.mention("What are the server rules?", user="U4MARKER"))
        await fake.wait_until(lambda: any(title(call) == "What are the server rules?" for call in posts(fake)))
    refusals = [call.body for call in fake.of("response_url")]
    assert len(refusals) == 27
    assert all(body["response_type"] == "ephemeral" for body in refusals)
    assert all(body["text"].startswith(replies.SLOW_DOWN.split("{")[0]) for body in refusals)
    assert len(posts(fake)) == 5  # the question, its two clicks, the other clicker's and the marker
