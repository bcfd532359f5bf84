"""An asked question delivered in Discord as `bot.policy` decided: embed and components, or the refusal."""

from __future__ import annotations

from typing import Any

import discord

from bot.answering import Answerer, Asked
from bot.discord.components import view_for
from bot.discord.embeds import reply_embed
from bot.discord.send import reply, respond
from bot.policy import Verdict


def _content(asked: Asked) -> dict[str, Any]:
    if asked.refusal is not None:
        return {"content": asked.refusal.message}
    assert asked.reply is not None
    return {"embed": reply_embed(asked.reply), "view": view_for(asked.reply, asked.question_id)}


async def to_interaction(interaction: discord.Interaction[Any], asked: Asked) -> None:
    """A command always gets a reply (the policy never silences one): for everyone, or ephemeral."""
    await respond(interaction, ephemeral=asked.verdict is Verdict.PRIVATE, **_content(asked))
    Answerer.sent(asked)


async def to_message(message: discord.Message, asked: Asked) -> None:
    """A reply to the message, or nothing; a message has no ephemeral reply, so a private one is a plain reply."""
    if asked.verdict is Verdict.SILENT:
        return
    await reply(message, **_content(asked))
    Answerer.sent(asked)
