"""Sending to Discord with one set of rules: never a ping, never a rejected message, first response or follow-up."""

from __future__ import annotations

from typing import Any

import discord

NO_PINGS = discord.AllowedMentions.none()
CONTENT_MAX_CHARS = 2000


def _message_kwargs(content: str | None, embed: discord.Embed | None, view: discord.ui.View | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"allowed_mentions": NO_PINGS}
    if content is not None:
        kwargs["content"] = content[:CONTENT_MAX_CHARS]
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:  # discord.py treats a missing view and `None` differently
        kwargs["view"] = view
    return kwargs


async def respond(
    interaction: discord.Interaction[Any],
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> None:
    """Answer an interaction, as its first response or, once it was deferred or answered, as a follow-up."""
    kwargs = _message_kwargs(content, embed, view)
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=ephemeral, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)


async def reply(
    message: discord.Message,
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> discord.Message:
    """Reply to a message without pinging its author, and still send if the message was deleted meanwhile."""
    reference = message.to_reference(fail_if_not_exists=False)
    kwargs = _message_kwargs(content, embed, view)
    return await message.channel.send(reference=reference, mention_author=False, **kwargs)
