"""DECLINE_HINT: the line a decline adds on Discord, Slack and the console, with mentions only where configured and
never a ping."""

from __future__ import annotations

import json
from unittest.mock import AsyncMock, patch

import discord
import pytest

from bot import console, replies
from bot.answering import Answerer
from bot.cards import KnowledgeBase
from bot.decline_hint import DeclineHint
from bot.discord.mentions import Mentions
from bot.engine import Engine
from bot.holder import EngineHolder
from bot.settings import SettingsError, load_settings
from bot.slack import blocks
from tests.conftest import FIXTURE_KNOWLEDGE
from tests.discord.helpers import make_bot, make_message
from tests.e2e.fake_discord import payloads

OFF_TOPIC = "what is the airspeed velocity of an unladen swallow"
HINT = "Ask in {channel} and {role} will answer. @everyone <!channel> <@&123456789012345678>"
CHANNEL_ID, ROLE_ID = 555000111, 777000222


async def discord_decline(**settings: object) -> tuple[discord.Embed, dict[str, object]]:
    bot = make_bot(**settings)
    message = make_message(bot, f"<@{payloads.BOT_ID}> {OFF_TOPIC}", mention=True)
    with patch.object(discord.TextChannel, "send", new_callable=AsyncMock) as send:
        await Mentions(bot).on_message(message)
    kwargs = send.call_args.kwargs
    return kwargs["embed"], kwargs


async def test_discord_links_the_channel_and_shows_the_role_without_pinging_anyone() -> None:
    embed, kwargs = await discord_decline(
        decline_hint=HINT, discord_decline_hint_channel_id=str(CHANNEL_ID), discord_decline_hint_role_id=str(ROLE_ID)
    )
    assert embed.title == replies.DECLINE
    last = embed.description.splitlines()[-1]
    assert last.startswith(f"Ask in <#{CHANNEL_ID}> and <@&{ROLE_ID}> will answer.")
    assert "@everyone" not in last  # the admin's own words: escaped, only the configured role is a mention
    assert "<@&123456789012345678>" not in last
    assert kwargs["allowed_mentions"].to_dict() == discord.AllowedMentions.none().to_dict()


async def test_discord_without_ids_names_the_channel_in_words() -> None:
    embed, _ = await discord_decline(decline_hint="Ask in {channel} and {role} will answer.")
    assert embed.description.endswith("\n\nAsk in #help and a moderator will answer.")


async def test_no_hint_is_added_unless_set() -> None:
    embed, _ = await discord_decline()
    assert embed.description in {replies.DID_YOU_MEAN, replies.HOW_IT_DECIDES}


def decline_reply(knowledge: KnowledgeBase, engine: Engine, hint: DeclineHint) -> replies.Reply:
    reply = replies.reply_for(engine.answer(OFF_TOPIC), knowledge, hint)
    assert not reply.answered
    return reply


def test_slack_escapes_the_hint_so_nothing_can_ping(knowledge: KnowledgeBase, engine: Engine) -> None:
    hint = DeclineHint(HINT, "#support", CHANNEL_ID, ROLE_ID)
    message = blocks.render(decline_reply(knowledge, engine, hint), None)
    line = "Ask in #support and a moderator will answer. @everyone &lt;!channel&gt; &lt;@&amp;123456789012345678&gt;"
    assert message.blocks[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": line}]}
    assert message.text.endswith(f"\n{line}")
    assert "<!" not in json.dumps(message.blocks) + message.text
    assert "<@" not in json.dumps(message.blocks) + message.text


def test_the_console_adds_the_line_to_a_decline_only(knowledge: KnowledgeBase) -> None:
    settings = load_settings(
        _env_file=None, knowledge_dir=FIXTURE_KNOWLEDGE, decline_hint="Ask in {channel}.", decline_hint_channel="#help"
    )
    answerer = Answerer.for_console(EngineHolder(FIXTURE_KNOWLEDGE), settings)
    assert console.respond(answerer, OFF_TOPIC).splitlines()[-1] == "Ask in #help."
    answered = console.respond(answerer, next(iter(knowledge.cards.values())).title)
    assert "Ask in #help." not in answered
    small_talk = console.respond(answerer, "thanks bot!")
    assert small_talk == replies.DECLINE_NO_QUESTION


@pytest.mark.parametrize("text", ["Ask in {chan}", "Ask in {channel", "Ask {channel!r}", "{role:>10}"])
def test_a_hint_with_an_unknown_placeholder_is_refused_at_start(text: str) -> None:
    with pytest.raises(SettingsError, match="invalid setting DECLINE_HINT"):
        load_settings(_env_file=None, decline_hint=text)


def test_braces_may_be_written_doubled() -> None:
    hint = DeclineHint.of(load_settings(_env_file=None, decline_hint="Use {{braces}} in {channel}"))
    assert hint is not None
    assert hint.render() == "Use {braces} in #help"
