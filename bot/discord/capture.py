""" "Save as FAQ card": a member's helpful reply becomes a card, through the `/faq add` form opened prefilled.

The question is the message the reply answers (or, in a thread, the thread's first message), the answer the reply's
text, and the source the reply itself: its link, its author's display name and channel, and its date. The admin
reads the form over before it is sent; the card is written under `cards/captured/` and checked like any other.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cards.typed import clipped
from bot.discord.add_card import ANSWER_FIELD_MAX_CHARS, QUESTION_FIELD_MAX_CHARS, AddCardForm
from bot.discord.admin import admins_only
from bot.discord.errors import Refused

if TYPE_CHECKING:
    from bot.discord.app import FaqBot

log = logging.getLogger(__name__)

NAME = "Save as FAQ card"
FOLDER = "captured"  # under the knowledge folder's cards/
NOT_A_MEMBERS_REPLY = "Save as FAQ card takes a member's reply: this message is the bot's or an app's."
NO_TEXT = "This message has no text to save as an answer."


def cited_as(message: discord.Message, channel: object) -> str:
    """The message as the form's source field reads it: its link, "Name in #channel", a comma and its date."""
    name = getattr(channel, "name", None)
    where = f" in #{name}" if name else ""
    return f"{message.jump_url} {message.author.display_name}{where}, {message.created_at.date().isoformat()}"


async def asked(bot: discord.Client, message: discord.Message, channel: object) -> discord.Message | None:
    """The message the reply answers: the one it replies to, else its thread's first message; None when neither is
    there or can be read."""
    reference = message.reference
    if reference is not None and reference.message_id is not None:
        if isinstance(reference.resolved, discord.Message):
            return reference.resolved
        return await fetched(message.channel, reference.message_id)
    if isinstance(channel, discord.Thread) and channel.id != message.id:
        # A thread started from a message has it in the parent channel, under the thread's id; a forum post has it
        # in the thread itself.
        if channel.starter_message is not None:
            return channel.starter_message
        parent = bot.get_partial_messageable(channel.parent_id)
        return await fetched(parent, channel.id) or await fetched(channel, channel.id)
    return None


async def fetched(channel: discord.abc.Messageable, message_id: int) -> discord.Message | None:
    try:
        return await channel.fetch_message(message_id)
    except discord.HTTPException as exc:  # deleted, or not readable by the bot
        log.info("Save as FAQ card: message %s not read: %s", message_id, exc)
        return None


class Capture(commands.Cog):
    """Context menus cannot live inside a cog class, so the cog adds and removes its menu itself."""

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name=NAME, callback=self.save_as_card)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(admins_only)
    async def save_as_card(self, interaction: discord.Interaction[FaqBot], message: discord.Message) -> None:
        if message.author.bot or message.is_system():
            raise Refused(NOT_A_MEMBERS_REPLY)
        answer = clipped(message.clean_content, ANSWER_FIELD_MAX_CHARS)
        if not answer:
            raise Refused(NO_TEXT)
        question = await asked(self.bot, message, interaction.channel)
        form = AddCardForm(
            self.bot,
            folder=FOLDER,
            what=NAME,
            question=clipped(question.clean_content, QUESTION_FIELD_MAX_CHARS) if question else "",
            answer=answer,
            source=cited_as(message, interaction.channel),
        )
        log.info(
            "Save as FAQ card: form opened", extra={"fields": {"user": interaction.user.id, "message": message.id}}
        )
        await interaction.response.send_modal(form)


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(Capture(bot))
