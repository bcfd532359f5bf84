from __future__ import annotations

from unittest.mock import AsyncMock, patch

import discord
import pytest

from bot.discord.mentions import Mentions, strip_mention
from bot.policy import Via
from tests.discord.helpers import make_bot, make_message
from tests.e2e.fake_discord import payloads


def test_strip_mention_removes_both_mention_forms() -> None:
    assert strip_mention(f"<@{payloads.BOT_ID}> hi <@!{payloads.BOT_ID}>", payloads.BOT_ID) == "hi"


def test_which_messages_ask_the_bot() -> None:
    bot = make_bot(discord_answer_channel_ids=str(payloads.ANSWER_CHANNEL_ID))
    cog = Mentions(bot)
    assert cog._via(make_message(bot, "hi", dm=True)) is Via.DM
    assert cog._via(make_message(bot, "hi", mention=True)) is Via.MENTION
    assert cog._via(make_message(bot, "hi")) is None
    assert cog._via(make_message(bot, "hi", dm=True, author_is_bot=True)) is None


async def test_a_mention_is_answered_with_a_reply_that_pings_nobody() -> None:
    bot = make_bot()
    card = bot.holder.engine.cards[0]
    message = make_message(bot, f"<@{payloads.BOT_ID}> @everyone {card.title}", mention=True)
    with patch.object(discord.TextChannel, "send", new_callable=AsyncMock) as send:
        await Mentions(bot).on_message(message)
    kwargs = send.call_args.kwargs
    assert kwargs["embed"].title == card.title
    assert kwargs["allowed_mentions"].to_dict() == discord.AllowedMentions.none().to_dict()
    assert kwargs["mention_author"] is False
    assert kwargs["reference"].message_id == message.id


async def test_a_failing_handler_apologizes(caplog: pytest.LogCaptureFixture) -> None:
    bot = make_bot()
    message = make_message(bot, "hello?", mention=True)
    with (
        patch.object(bot.answerer, "ask", side_effect=RuntimeError("boom")),
        patch.object(discord.TextChannel, "send", new_callable=AsyncMock) as send,
    ):
        await Mentions(bot).on_message(message)
    assert send.call_args.kwargs["content"].startswith("Sorry")
    assert any(record.message == "handler failed" for record in caplog.records)


async def test_a_failure_in_an_answer_channel_is_logged_not_told(caplog: pytest.LogCaptureFixture) -> None:
    bot = make_bot(discord_answer_channel_ids=str(payloads.CHANNEL_ID))
    message = make_message(bot, "how do I get a role?")
    with (
        patch.object(bot.answerer, "ask", side_effect=RuntimeError("boom")),
        patch.object(discord.TextChannel, "send", new_callable=AsyncMock) as send,
    ):
        await Mentions(bot).on_message(message)
    send.assert_not_called()
    assert any(record.message == "handler failed" for record in caplog.records)
