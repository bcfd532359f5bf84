"""Questions in messages: mentions, direct messages and answer channels, replied to without pinging anyone."""

from __future__ import annotations

import pytest

from bot import replies
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import running_bot

pytestmark = pytest.mark.e2e

CHANNEL_MESSAGES = r"/channels/{channel}/messages"


async def test_a_mention_is_answered_as_a_reply_without_pings() -> None:
    async with running_bot() as bot:
        card = bot.bot.holder.engine.cards[0]
        message = await bot.post_message(f"@everyone {card.title}")
        sent = await bot.fake.wait_for_request("POST", CHANNEL_MESSAGES.format(channel=payloads.CHANNEL_ID))
        assert str(sent.body["message_reference"]["message_id"]) == message["id"]
        assert sent.body["message_reference"]["fail_if_not_exists"] is False
        assert sent.body["allowed_mentions"] == {"parse": [], "replied_user": False}
        assert sent.body["embeds"][0]["title"] == card.title


async def test_a_direct_message_is_answered() -> None:
    async with running_bot() as bot:
        card = bot.bot.holder.engine.cards[1]
        await bot.post_message(card.title, dm=True, mention=False)
        sent = await bot.fake.wait_for_request("POST", CHANNEL_MESSAGES.format(channel=payloads.DM_CHANNEL_ID))
        assert sent.body["embeds"][0]["title"] == card.title


async def test_a_bare_mention_gets_an_example_question() -> None:
    async with running_bot() as bot:
        await bot.post_message("")
        sent = await bot.fake.wait_for_request("POST", CHANNEL_MESSAGES.format(channel=payloads.CHANNEL_ID))
        example = replies.example_question(bot.bot.holder.engine.knowledge)
        assert sent.body["content"] == replies.NOT_A_QUESTION.format(example=example)


async def test_a_20000_character_message_gets_a_polite_refusal() -> None:
    async with running_bot() as bot:
        await bot.post_message("a" * 20_000, dm=True, mention=False)
        sent = await bot.fake.wait_for_request("POST", CHANNEL_MESSAGES.format(channel=payloads.DM_CHANNEL_ID))
        assert sent.body["content"] == replies.TOO_LONG.format(length=20_000, limit=bot.bot.settings.question_max_chars)


async def test_messages_without_a_mention_and_from_bots_are_ignored() -> None:
    async with running_bot() as bot:
        title = bot.bot.holder.engine.cards[0].title
        await bot.post_message(title, mention=False)
        robot = {**payloads.user(), "bot": True}
        await bot.fake.dispatch(
            "MESSAGE_CREATE",
            payloads.message(bot.fake.new_id(), payloads.DM_CHANNEL_ID, robot, {"content": title}),
        )
        marker = await bot.post_message(title, dm=True, mention=False)  # answered once the two above were dealt with
        sent = await bot.fake.wait_for_request("POST", CHANNEL_MESSAGES.format(channel=payloads.DM_CHANNEL_ID))
        assert str(sent.body["message_reference"]["message_id"]) == marker["id"]
        assert [r for r in bot.fake.requests if r.path.startswith("/channels/")] == [sent]


async def test_answer_channels_ask_for_the_message_content_intent() -> None:
    async with running_bot(discord_answer_channel_ids=str(payloads.ANSWER_CHANNEL_ID)) as bot:
        assert bot.bot.intents.message_content


async def test_without_answer_channels_no_privileged_intent_is_requested() -> None:
    async with running_bot() as bot:
        assert not bot.bot.intents.message_content
