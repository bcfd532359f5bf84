"""An answered, declined or refused question delivered in Discord: embed and components, or the refusal."""

from __future__ import annotations

import time
from typing import Any

import discord

from bot import metrics
from bot.discord.answering import PLATFORM, Asked
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
    _observe(asked)


async def to_message(message: discord.Message, asked: Asked) -> None:
    if asked.refusal is not None:
        await reply(message, content=asked.refusal.message)
    else:
        assert asked.reply is not None
        await reply(message, embed=reply_embed(asked.reply), view=view_for(asked.reply, asked.question_id))
    _observe(asked)


def _observe(asked: Asked) -> None:
    """Latency up to the reply having been accepted by Discord, which is what the asker waits for."""
    metrics.observe_answer(PLATFORM, asked.outcome, time.perf_counter() - asked.started)
