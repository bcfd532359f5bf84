from __future__ import annotations

import discord

from bot import replies
from bot.discord.ask import Ask
from tests.discord.helpers import make_bot, make_interaction
from tests.e2e.fake_discord import payloads


async def test_ask_sends_the_card_without_pings() -> None:
    bot = make_bot()
    card = bot.holder.engine.cards[0]
    interaction = make_interaction(bot, 2, payloads.slash("ask"))
    await Ask.ask.callback(Ask(bot), interaction, question=card.title)
    kwargs = interaction.response.send_message.call_args.kwargs
    assert kwargs["embed"].title == card.title
    assert kwargs["allowed_mentions"].to_dict() == discord.AllowedMentions.none().to_dict()
    assert kwargs["ephemeral"] is False


async def test_private_ask_and_refusals_are_ephemeral() -> None:
    bot = make_bot()
    cog = Ask(bot)
    interaction = make_interaction(bot, 2, payloads.slash("ask"))
    await Ask.ask.callback(cog, interaction, question=bot.holder.engine.cards[0].title, private=True)
    assert interaction.response.send_message.call_args.kwargs["ephemeral"] is True
    interaction = make_interaction(bot, 2, payloads.slash("ask"))
    await Ask.ask.callback(cog, interaction, question="   ")
    kwargs = interaction.response.send_message.call_args.kwargs
    assert kwargs["ephemeral"] is True
    assert kwargs["content"].startswith(replies.NOT_A_QUESTION.split("{")[0])


async def test_autocomplete_respects_discord_limits() -> None:
    bot = make_bot()
    interaction = make_interaction(bot, 4, payloads.slash("ask"))
    choices = await Ask.suggest(Ask(bot), interaction, "how " * 2000)
    assert len(choices) <= 25
    assert all(len(choice.name) <= 100 and len(choice.value) <= 100 for choice in choices)
    empty = await Ask.suggest(Ask(bot), interaction, "")
    assert [choice.name for choice in empty] == [card.title for card in bot.holder.engine.cards[:25]]
