"""An answered, declined or refused question delivered in Discord: embed and components, or the refusal."""

from __future__ import annotations

from typing import Any

import discord

from bot.answering import Answerer, Asked
from bot.discord.components import view_for
from bot.discord.embeds import reply_embed
from bot.discord.send import reply, respond


async def to_interaction(interaction: discord.Interaction[Any], asked: Asked, *, ephemeral: bool) -> None:
    """Refusals are only ever shown to the asker; replies follow the asker's choice."""
    if asked.refusal is not None:
        await respond(interaction, content=asked.refusal.message, ephemeral=True)
    else:
        assert asked.reply is not None
        view = view_for(asked.reply, asked.question_id)
        await respond(interaction, embed=reply_embed(asked.reply), view=view, ephemeral=ephemeral)
    Answerer.sent(asked)


async def to_message(message: discord.Message, asked: Asked) -> None:
    if asked.refusal is not None:
        await reply(message, content=asked.refusal.message)
    else:
        assert asked.reply is not None
        await reply(message, embed=reply_embed(asked.reply), view=view_for(asked.reply, asked.question_id))
    Answerer.sent(asked)
