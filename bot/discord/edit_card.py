"""`/faq edit` and `/faq remove`: a card changed or deleted from chat, in its own file, checked before it goes live.

An edit opens the card form with the file's questions and answer and writes them back into that file (`edits.py`
keeps its id, source and everything else as written); a removal asks for a confirmation that only the admin who
asked can give. Each is one file write, refused with the problems when `bot check` would fail after it, logged with
who made it, then the cards reload.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.admin_replies import (
    CONFIRM_REMOVE,
    EDITED,
    NOT_CHANGED,
    NOT_REMOVED,
    NOT_YOURS,
    NOTHING_TO_REMOVE,
    REMOVAL_REFUSED,
    REMOVED,
    UNREADABLE,
)
from bot.card_removal import remove_logged
from bot.cards import Card, KnowledgeError
from bot.cards.edits import edit_card, read_card_file
from bot.cards.loader import UnreadableError
from bot.cards.typed import find_card
from bot.discord.add_card import (
    ANSWER_FIELD_MAX_CHARS,
    PHRASINGS_FIELD_MAX_CHARS,
    QUESTION_FIELD_MAX_CHARS,
    CardForm,
    refused,
    reload_and_report,
)
from bot.discord.admin import refusal
from bot.discord.errors import Refused, apologize
from bot.discord.send import respond

if TYPE_CHECKING:
    from bot.discord.app import FaqBot

log = logging.getLogger(__name__)

CHOICES_MAX = 25
CHOICE_MAX_CHARS = 100  # Discord's limit for a choice's name and value
EDIT_TITLE = "Edit FAQ card"
NO_SUCH_CARD = "No card has that title: pick one from the list that opens as you type."
TOO_LONG = "This card is too long to edit in a form (Discord allows {limit:,} characters for its {field}): edit {path}."
CONFIRM_DETAIL = "Its file, {path}, is deleted and the cards reload. Dismiss this message to keep it."
CONFIRM_LABEL = "Remove it"


async def card_choices(bot: FaqBot, typed: str) -> list[app_commands.Choice[str]]:
    """The cards whose titles best continue what is typed, by title, each standing for its id."""
    cards = await bot.answerer.autocomplete(typed, CHOICES_MAX)
    return [
        app_commands.Choice(name=card.title[:CHOICE_MAX_CHARS], value=card.id)
        for card in cards
        if len(card.id) <= CHOICE_MAX_CHARS
    ]


def chosen_card(bot: FaqBot, value: str) -> Card:
    """The card picked from the choices (its id), or typed as its title; Refused when none is."""
    card = find_card(bot.holder.knowledge.cards, value)
    if card is None:
        raise Refused(NO_SUCH_CARD)
    return card


def shown(bot: FaqBot, path: Path) -> str:
    """A card file's path as an admin finds it: from the knowledge folder."""
    try:
        return str(path.relative_to(bot.holder.knowledge_dir))
    except ValueError:
        return str(path)


async def open_edit_form(interaction: discord.Interaction[FaqBot], value: str) -> None:
    """Open the form on the card's file as it is now; too long for a form's fields, the admin is told so."""
    bot = interaction.client
    card = chosen_card(bot, value)
    assert card.path is not None  # every loaded card has its file
    try:
        written = await asyncio.to_thread(read_card_file, bot.holder.knowledge_dir, card.path)
    except (UnreadableError, ValueError) as exc:
        await respond(interaction, content=UNREADABLE.format(reason=exc), ephemeral=True)
        return
    phrasings = "\n".join(written.questions[1:])
    for field, text, limit in (
        ("question", written.questions[0], QUESTION_FIELD_MAX_CHARS),
        ("other phrasings", phrasings, PHRASINGS_FIELD_MAX_CHARS),
        ("answer", written.answer, ANSWER_FIELD_MAX_CHARS),
    ):
        if len(text) > limit:
            message = TOO_LONG.format(limit=limit, field=field, path=shown(bot, card.path))
            await respond(interaction, content=message, ephemeral=True)
            return
    form = EditCardForm(bot, card, written.text, written.questions[0], phrasings, written.answer)
    await interaction.response.send_modal(form)


class EditCardForm(CardForm):
    """The card form on one card's file: the question, the other phrasings and the answer."""

    def __init__(self, bot: FaqBot, card: Card, opened: str, question: str, phrasings: str, answer: str) -> None:
        super().__init__(bot, EDIT_TITLE, question=question, phrasings=phrasings, answer=answer)
        assert card.path is not None
        self.card_id = card.id
        self.path = card.path
        self.opened = opened  # the file's text the form shows: a file changed since is not overwritten

    async def save(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        root = self.bot.holder.knowledge_dir
        fields = who(interaction, self.card_id, self.path)
        try:
            await asyncio.to_thread(edit_card, root, self.path, self.opened, self.questions(), self.answer.value)
        except KnowledgeError as exc:
            log.info("/faq edit refused", extra={"fields": {**fields, "problems": len(exc.problems)}})
            await refused(interaction, exc)
            return
        except (OSError, UnreadableError, ValueError) as exc:  # gone or unreadable since the form opened
            log.warning("/faq edit could not write the card: %s", exc, extra={"fields": fields})
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            await respond(interaction, content=NOT_CHANGED.format(reason=reason), ephemeral=True)
            return
        log.info("card edited from /faq edit", extra={"fields": fields})
        await reload_and_report(interaction, self.bot, EDITED.format(path=shown(self.bot, self.path)))


def who(interaction: discord.Interaction[Any], card_id: str, path: Path) -> dict[str, Any]:
    """The log fields of a change: who made it, where, and to which card file."""
    return {
        "user": interaction.user.id,
        "user_name": interaction.user.name,
        "guild": interaction.guild_id,
        "card": card_id,
        "path": str(path),
    }


def digest(card_id: str) -> str:
    """A short stand-in for a card id in a button's custom id, which Discord caps at 100 characters."""
    return hashlib.sha256(card_id.encode()).hexdigest()[:16]


async def ask_to_remove(interaction: discord.Interaction[FaqBot], value: str) -> None:
    """The confirmation, to the admin who asked alone, with the button that removes the card."""
    bot = interaction.client
    card = chosen_card(bot, value)
    assert card.path is not None
    embed = discord.Embed(
        title=CONFIRM_REMOVE.format(title=card.title)[:256],
        description=CONFIRM_DETAIL.format(path=shown(bot, card.path)),
        colour=discord.Colour.orange(),
    )
    view = discord.ui.View(timeout=None)
    view.add_item(RemoveButton(interaction.user.id, digest(card.id)))
    await respond(interaction, embed=embed, view=view, ephemeral=True)


class RemoveButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"faq:remove:(?P<admin>\d{1,20}):(?P<card>[0-9a-f]{16})"
):
    """The confirmation: what to remove and who may confirm it are in its custom id, so it works after a restart."""

    def __init__(self, admin_id: int, card_digest: str) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            style=discord.ButtonStyle.danger, label=CONFIRM_LABEL, custom_id=f"faq:remove:{admin_id}:{card_digest}"
        )
        super().__init__(button)
        self.admin_id = admin_id
        self.card_digest = card_digest

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RemoveButton:
        return cls(int(match["admin"]), match["card"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:  # the client: the FaqBot that added it
        try:
            await self.remove(interaction)
        except Exception as error:
            await apologize(interaction, error, "/faq remove")

    async def remove(self, interaction: discord.Interaction[FaqBot]) -> None:
        why = refusal(interaction) or (NOT_YOURS if interaction.user.id != self.admin_id else None)
        bot = interaction.client
        cards = bot.holder.knowledge.cards.values()
        card = next((card for card in cards if digest(card.id) == self.card_digest and card.path), None)
        if why or card is None or card.path is None:
            await respond(interaction, content=why or NOTHING_TO_REMOVE, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await remove_logged(bot.holder.knowledge_dir, card.path, who(interaction, card.id, card.path))
        except KnowledgeError as exc:
            await refused(interaction, exc, REMOVAL_REFUSED)
            return
        except OSError as exc:
            await respond(interaction, content=NOT_REMOVED.format(reason=exc.strerror or exc), ephemeral=True)
            return
        await reload_and_report(interaction, bot, REMOVED.format(path=shown(bot, card.path)))


async def setup(bot: FaqBot) -> None:
    """Not a cog: the commands are in `/faq` (`admin.py`); the confirmation button is registered here."""
    bot.add_dynamic_items(RemoveButton)
