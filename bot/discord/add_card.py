"""`/faq add`: a form that writes a new card, checked before it answers, then reloads the cards.

The card is written by the card writer (`bot/cards/writer.py`) under `cards/added/`, so it is a file like any other:
`bot check` passes it, an admin can edit it, and nothing else holds it. A card the checks refuse is not written, and
the refusal names the problems. The form opens prefilled for "Save as FAQ card" (`capture.py`), which writes under
`cards/captured/`; `/faq edit` (`edit_card.py`) uses its first three fields.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.admin_replies import NOT_SAVED, NOT_WRITTEN, SAVED
from bot.cards import KnowledgeError
from bot.cards.typed import draft_of, questions_of
from bot.cards.writer import Draft, write_card
from bot.discord.admin import code_block, refusal, reload_embed
from bot.discord.embeds import TITLE_MAX_CHARS, clip
from bot.discord.errors import apologize
from bot.discord.send import respond

if TYPE_CHECKING:
    from bot.discord.app import FaqBot

log = logging.getLogger(__name__)

FOLDER = "added"  # under the knowledge folder's cards/
FORM_TITLE = "New FAQ card"
# Discord allows 4,000 characters a field
QUESTION_FIELD_MAX_CHARS = 200
PHRASINGS_FIELD_MAX_CHARS = 4000
ANSWER_FIELD_MAX_CHARS = 4000


class CardForm(discord.ui.Modal):
    """The fields every card form has: the question that titles the card, the other phrasings and the answer.
    Sending it is checked again (admins only), since a form sent is an interaction of its own."""

    def __init__(self, bot: FaqBot, title: str, *, question: str = "", phrasings: str = "", answer: str = "") -> None:
        super().__init__(title=title)
        self.bot = bot
        self.question: discord.ui.TextInput[CardForm] = discord.ui.TextInput(
            label="Question (the card's title)", default=question or None, max_length=QUESTION_FIELD_MAX_CHARS
        )
        self.phrasings: discord.ui.TextInput[CardForm] = discord.ui.TextInput(
            label="Other ways people ask it (one a line)",
            style=discord.TextStyle.paragraph,
            default=phrasings or None,
            required=False,
            max_length=PHRASINGS_FIELD_MAX_CHARS,
        )
        self.answer: discord.ui.TextInput[CardForm] = discord.ui.TextInput(
            label="Answer (Markdown)",
            style=discord.TextStyle.paragraph,
            default=answer or None,
            max_length=ANSWER_FIELD_MAX_CHARS,
        )
        for item in (self.question, self.phrasings, self.answer):
            self.add_item(item)

    def questions(self) -> tuple[str, ...]:
        """The title, then each other phrasing, once each."""
        return questions_of(self.question.value, self.phrasings.value)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        if why := refusal(interaction):
            await respond(interaction, content=why, ephemeral=True)
            return
        await self.save(interaction)

    async def save(self, interaction: discord.Interaction[Any]) -> None:
        """Write what the form says, or say why not."""
        raise NotImplementedError

    # discord.py's Modal.on_error drops BaseView's `item` argument and ignores the mismatch itself: so must we.
    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        await apologize(interaction, error, self.title)


async def refused(interaction: discord.Interaction[Any], exc: KnowledgeError, title: str = NOT_SAVED) -> None:
    """The checks' problems, one a line, as the reply to a change they refused."""
    listing = code_block("\n".join(str(problem) for problem in exc.problems))
    embed = discord.Embed(title=title, description=listing, colour=discord.Colour.red())
    await respond(interaction, embed=embed, ephemeral=True)


async def reload_and_report(interaction: discord.Interaction[Any], bot: FaqBot, done: str) -> None:
    """Reload the cards (atomically: questions meanwhile get the old ones) and say what was done and what answers."""
    holder = bot.holder
    result = await holder.reload_off_loop()
    embed = reload_embed(result, len(holder.cards))
    embed.title = clip(f"{done} {embed.title}", TITLE_MAX_CHARS)
    await respond(interaction, embed=embed, ephemeral=True)


class AddCardForm(CardForm):
    """The form of a new card: the three fields, tags and the source; Discord allows five fields. `what` names the
    way the card came, in the log."""

    def __init__(
        self,
        bot: FaqBot,
        *,
        folder: str = FOLDER,
        what: str = "/faq add",
        question: str = "",
        answer: str = "",
        source: str = "",
    ) -> None:
        super().__init__(bot, FORM_TITLE, question=question, answer=answer)
        self.folder = folder
        self.what = what
        self.tags: discord.ui.TextInput[AddCardForm] = discord.ui.TextInput(
            label="Tags (comma-separated; the first groups it)", required=False, max_length=200
        )
        self.source: discord.ui.TextInput[AddCardForm] = discord.ui.TextInput(
            label="Source: a web address, or a document id, section",
            placeholder="https://… Title, section   or   handbook, Roles",
            default=source or None,
            max_length=500,
        )
        self.add_item(self.tags)
        self.add_item(self.source)

    def draft(self) -> Draft | str:
        """The card the form describes, or what is wrong with the form itself."""
        fields = (self.question, self.phrasings, self.answer, self.tags, self.source)
        return draft_of(*(field.value for field in fields))

    async def save(self, interaction: discord.Interaction[Any]) -> None:
        draft = self.draft()
        if isinstance(draft, str):
            await respond(interaction, content=draft, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        root = self.bot.holder.knowledge_dir
        fields: dict[str, Any] = {
            "user": interaction.user.id,
            "user_name": interaction.user.name,
            "guild": interaction.guild_id,
            "title": draft.title,
        }
        try:
            path = await asyncio.to_thread(write_card, root, draft, root / "cards" / self.folder)
        except KnowledgeError as exc:
            log.info("%s refused", self.what, extra={"fields": {**fields, "problems": len(exc.problems)}})
            await refused(interaction, exc)
            return
        except OSError as exc:
            log.warning("%s could not write the card: %s", self.what, exc, extra={"fields": fields})
            await respond(interaction, content=NOT_WRITTEN.format(reason=exc.strerror or exc), ephemeral=True)
            return
        log.info("card added from %s", self.what, extra={"fields": {**fields, "card": path.stem, "path": str(path)}})
        await reload_and_report(interaction, self.bot, SAVED.format(path=path.relative_to(root)))
