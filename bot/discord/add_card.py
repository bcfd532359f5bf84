"""`/faq add`: a form that writes a new card, checked before it answers, then reloads the cards.

The card is written by the card writer (`bot/cards/writer.py`) under `cards/added/`, so it is a file like any other:
`bot check` passes it, an admin can edit it, and nothing else holds it. A card the checks refuse is not written, and
the refusal names the problems. The form can be opened prefilled, as "Save as FAQ card" is to do from a message.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.cards import KnowledgeError
from bot.cards.model import CardSource
from bot.cards.writer import Draft, write_card
from bot.discord.admin import NEEDS_MANAGE_SERVER, code_block, reload_embed
from bot.discord.embeds import TITLE_MAX, clip
from bot.discord.errors import apologize
from bot.discord.send import respond

if TYPE_CHECKING:
    from bot.discord.app import FaqBot

log = logging.getLogger(__name__)

FOLDER = "added"  # under the knowledge folder's cards/
FORM_TITLE = "New FAQ card"
NOT_SAVED = "Not saved: fix these and send the form again."
NOT_WRITTEN = "Not saved: the card file could not be written ({reason})."
SAVED = "Saved as {path}."
SPLIT = re.compile(r"\s*[\n,]\s*")


def cited(text: str) -> CardSource | None:
    """The source as typed: a web address (and after it, a title), or a sources.yaml id (and after a comma, the
    section); None when nothing usable is typed."""
    text = text.strip()
    if not text:
        return None
    if text.startswith(("http://", "https://")):
        url, _, title = text.partition(" ")
        return CardSource(url=url, title=title.strip() or None)
    document, _, section = text.partition(",")
    return CardSource(document=document.strip(), section=section.strip() or None)


class AddCardForm(discord.ui.Modal, title=FORM_TITLE):
    """The form: the question, other phrasings, the answer, tags and the source; Discord allows five fields."""

    def __init__(
        self, bot: FaqBot, *, question: str = "", phrasings: str = "", answer: str = "", source: str = ""
    ) -> None:
        super().__init__()
        self.bot = bot
        self.question: discord.ui.TextInput[AddCardForm] = discord.ui.TextInput(
            label="Question (the card's title)", default=question or None, max_length=200
        )
        self.phrasings: discord.ui.TextInput[AddCardForm] = discord.ui.TextInput(
            label="Other ways people ask it (one a line)",
            style=discord.TextStyle.paragraph,
            default=phrasings or None,
            required=False,
            max_length=1000,
        )
        self.answer: discord.ui.TextInput[AddCardForm] = discord.ui.TextInput(
            label="Answer (Markdown)", style=discord.TextStyle.paragraph, default=answer or None, max_length=4000
        )
        self.tags: discord.ui.TextInput[AddCardForm] = discord.ui.TextInput(
            label="Tags (comma-separated; the first groups it)", required=False, max_length=200
        )
        self.source: discord.ui.TextInput[AddCardForm] = discord.ui.TextInput(
            label="Source: a web address, or a document id, section",
            placeholder="https://… Title   or   handbook, Roles",
            default=source or None,
            max_length=500,
        )
        for item in (self.question, self.phrasings, self.answer, self.tags, self.source):
            self.add_item(item)

    def draft(self) -> Draft | str:
        """The card the form describes, or what is wrong with the form itself."""
        source = cited(self.source.value)
        if source is None:
            return "Give a source: a web address, or the id of a document in sources.yaml."
        questions = [self.question.value.strip(), *(line.strip() for line in self.phrasings.value.splitlines())]
        tags = [tag.casefold() for tag in SPLIT.split(self.tags.value.strip()) if tag]
        return Draft(tuple(dict.fromkeys(q for q in questions if q)), self.answer.value, source, tuple(tags))

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        if not interaction.permissions.manage_guild:  # checked again: the form is a new interaction
            await respond(interaction, content=NEEDS_MANAGE_SERVER, ephemeral=True)
            return
        try:
            draft = self.draft()
        except ValueError as exc:  # a source the model refuses (an address with a space, …)
            draft = f"The source is not usable: {exc}"
        if isinstance(draft, str):
            await respond(interaction, content=draft, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        holder = self.bot.holder
        fields: dict[str, Any] = {"user": interaction.user.id, "guild": interaction.guild_id, "title": draft.title}
        try:
            path = await asyncio.to_thread(
                write_card, holder.knowledge_dir, draft, holder.knowledge_dir / "cards" / FOLDER
            )
        except KnowledgeError as exc:
            log.info("/faq add refused", extra={"fields": {**fields, "problems": len(exc.problems)}})
            listing = code_block("\n".join(str(problem) for problem in exc.problems))
            embed = discord.Embed(title=NOT_SAVED, description=listing, colour=discord.Colour.red())
            await respond(interaction, embed=embed, ephemeral=True)
            return
        except OSError as exc:
            log.warning("/faq add could not write the card: %s", exc, extra={"fields": fields})
            await respond(interaction, content=NOT_WRITTEN.format(reason=exc.strerror or exc), ephemeral=True)
            return
        log.info("card added from /faq add", extra={"fields": {**fields, "card": path.stem, "path": str(path)}})
        result = await holder.reload_off_loop()
        embed = reload_embed(result, len(holder.engine.cards))
        embed.title = clip(f"{SAVED.format(path=path.relative_to(holder.knowledge_dir))} {embed.title}", TITLE_MAX)
        await respond(interaction, embed=embed, ephemeral=True)

    # discord.py's Modal.on_error drops BaseView's `item` argument and ignores the mismatch itself: so must we.
    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        await apologize(interaction, error, "/faq add")
