"""Buttons and menus under a reply: 👍/👎 feedback, related answers, "did you mean" picks and More….

Every component is a `DynamicItem`: what it does is encoded in its custom id, so a click on a reply sent
before a restart still works, and no view has to be kept in memory for each message. A click that shows a card
costs the clicker's cooldown like a question (`Answerer.card`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot import replies
from bot.cards.model import Card
from bot.clip import clip
from bot.discord.embeds import answer_embed, decline_embed
from bot.discord.errors import apologize
from bot.discord.send import respond
from bot.guard import Refusal
from bot.replies import Reply

if TYPE_CHECKING:
    from bot.discord.app import FaqBot

CUSTOM_ID_MAX_CHARS = 100
LABEL_MAX_CHARS = 80
OPTION_MAX_CHARS = 100
SELECT_OPTIONS_MAX = 25
RELATED_BUTTONS_MAX = 3  # more related cards than this go into a select menu
CARD = r"[a-z0-9][a-z0-9_-]*"
QUESTION = r"[A-Za-z0-9_-]{1,40}"
PAGE = r"[1-9]"  # a More… button's page: `more_cards.PAGES_MAX` pages at most


def _custom_id(*parts: str | None) -> str | None:
    """Join the parts, dropping a trailing question id when the whole would be too long for Discord."""
    custom_id = ":".join(part for part in parts if part)
    if len(custom_id) <= CUSTOM_ID_MAX_CHARS:
        return custom_id
    shorter = ":".join(part for part in parts[:-1] if part)
    return shorter if len(shorter) <= CUSTOM_ID_MAX_CHARS else None


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"faq:vote:(?P<vote>[ud]):(?P<card>{CARD})(?::(?P<question>{QUESTION}))?",
):
    def __init__(self, custom_id: str, helpful: bool) -> None:
        label = replies.FEEDBACK_HELPFUL if helpful else replies.FEEDBACK_UNHELPFUL
        button: discord.ui.Button[Any] = discord.ui.Button(
            style=discord.ButtonStyle.secondary, emoji="👍" if helpful else "👎", label=label, custom_id=custom_id
        )
        super().__init__(button)
        self.helpful = helpful

    @classmethod
    def build(cls, card: Card, question_id: str | None, helpful: bool) -> VoteButton | None:
        custom_id = _custom_id("faq", "vote", "u" if helpful else "d", card.id, question_id)
        return cls(custom_id, helpful) if custom_id else None

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(match.string, match["vote"] == "u")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:  # the client: the FaqBot that added it
        match = self.template.fullmatch(self.custom_id)
        assert match is not None  # the template matched before this item was built
        try:
            answerer = interaction.client.answerer
            message = await answerer.vote(match["question"], interaction.user.id, match["card"], self.helpful)
            # Not this answer: the cards that come next, for the voter to pick the one they meant.
            others = None if self.helpful else await answerer.offers(match["question"], 0, without=match["card"])
            if others is None or not others.suggestions:
                await respond(interaction, content=message, ephemeral=True)
                return
            view = suggestion_view(others, match["question"])
            await respond(interaction, content=message, embed=decline_embed(others), view=view, ephemeral=True)
        except Exception as error:
            await apologize(interaction, error, "feedback")


class CardButton(
    discord.ui.DynamicItem[discord.ui.Button], template=rf"faq:card:(?P<card>{CARD})(?::(?P<question>{QUESTION}))?"
):
    """A related card: shows it to the one who clicked, without adding to the channel."""

    def __init__(self, custom_id: str, label: str = replies.RELATED) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            style=discord.ButtonStyle.primary, label=clip(label, LABEL_MAX_CHARS), custom_id=custom_id
        )
        super().__init__(button)

    @classmethod
    def build(cls, card: Card, question_id: str | None) -> CardButton | None:
        custom_id = _custom_id("faq", "card", card.id, question_id)
        return cls(custom_id, card.title) if custom_id else None

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CardButton:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:  # the client: the FaqBot that added it
        match = self.template.fullmatch(self.custom_id)
        assert match is not None
        try:
            await show_card(interaction, match["card"], match["question"])
        except Exception as error:
            await apologize(interaction, error, "related card")


class CardSelect(
    discord.ui.DynamicItem[discord.ui.Select],
    template=rf"faq:cards:(?P<kind>pick|related)(?::(?P<question>{QUESTION}))?",
):
    """A menu of cards: "did you mean" picks replace the decline with the answer, related ones show it privately."""

    def __init__(self, custom_id: str, cards: list[Card] | None = None, placeholder: str | None = None) -> None:
        options = [
            discord.SelectOption(label=clip(card.title, OPTION_MAX_CHARS), value=card.id)
            for card in (cards or [])[:SELECT_OPTIONS_MAX]
        ]
        select: discord.ui.Select[Any] = discord.ui.Select(
            custom_id=custom_id, placeholder=placeholder, options=options, min_values=1, max_values=1
        )
        super().__init__(select)

    @classmethod
    def build(cls, kind: str, cards: list[Card], question_id: str | None) -> CardSelect | None:
        usable = [card for card in cards if len(card.id) <= OPTION_MAX_CHARS]
        custom_id = _custom_id("faq", "cards", kind, question_id)
        if not usable or custom_id is None:
            return None
        placeholder = replies.PICK_PLACEHOLDER if kind == "pick" else replies.RELATED_PLACEHOLDER
        return cls(custom_id, usable, placeholder)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CardSelect:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:  # the client: the FaqBot that added it
        match = self.template.fullmatch(self.custom_id)
        assert match is not None
        try:
            card_id = self.item.values[0] if self.item.values else None
            if card_id is None:
                await respond(interaction, content=replies.CARD_GONE, ephemeral=True)
            elif match["kind"] == "pick":
                await pick_card(interaction, card_id, match["question"])
            else:
                await show_card(interaction, card_id, match["question"])
        except Exception as error:
            await apologize(interaction, error, "card menu")


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button], template=rf"faq:more:(?P<page>{PAGE}):(?P<question>{QUESTION})"
):
    """More…: the next "did you mean" cards of a decline, to the one who clicked."""

    def __init__(self, custom_id: str) -> None:
        button: discord.ui.Button[Any] = discord.ui.Button(
            style=discord.ButtonStyle.secondary, label=replies.MORE, custom_id=custom_id
        )
        super().__init__(button)

    @classmethod
    def build(cls, page: int, question_id: str | None) -> MoreButton | None:
        """None without a recorded question: the cards are found again from its text."""
        usable = question_id is not None and re.fullmatch(QUESTION, question_id) and re.fullmatch(PAGE, str(page))
        return cls(f"faq:more:{page}:{question_id}") if usable else None

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> MoreButton:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:  # the client: the FaqBot that added it
        match = self.template.fullmatch(self.custom_id)
        assert match is not None
        try:
            reply = await interaction.client.answerer.more(match["question"], int(match["page"]), interaction.user.id)
            if isinstance(reply, Refusal):
                await respond(interaction, content=reply.message, ephemeral=True)
            elif not reply.suggestions:
                await respond(interaction, content=replies.NO_MORE_CARDS, ephemeral=True)
            else:
                view = suggestion_view(reply, match["question"])
                await respond(interaction, embed=decline_embed(reply), view=view, ephemeral=True)
        except Exception as error:
            await apologize(interaction, error, "more cards")


async def show_card(interaction: discord.Interaction[FaqBot], card_id: str, question_id: str | None) -> None:
    """A related card, privately; its feedback buttons still refer to the question that led to it."""
    reply = interaction.client.answerer.card(card_id, interaction.user.id)
    if isinstance(reply, Refusal):
        await respond(interaction, content=reply.message, ephemeral=True)
        return
    interaction.client.answerer.teach(question_id, interaction.user.id, card_id, helpful=True)
    await respond(interaction, embed=answer_embed(reply), view=answer_view(reply, question_id), ephemeral=True)


async def pick_card(interaction: discord.Interaction[FaqBot], card_id: str, question_id: str | None) -> None:
    """Turn the "did you mean" message into the chosen answer, so the thread reads as question then answer."""
    answerer = interaction.client.answerer
    reply = answerer.card(card_id, interaction.user.id)
    if isinstance(reply, Refusal):
        await respond(interaction, content=reply.message, ephemeral=True)
        return
    answerer.pick(question_id, card_id, interaction.user.id)
    view = answer_view(reply, question_id)
    await interaction.response.edit_message(
        embed=answer_embed(reply), view=view, allowed_mentions=discord.AllowedMentions.none()
    )


def answer_view(reply: Reply, question_id: str | None) -> discord.ui.View | None:
    """Feedback buttons, then the related cards as buttons (or a menu when there are many)."""
    if reply.card is None:
        return None
    view = discord.ui.View(timeout=None)
    for helpful in (True, False):
        if button := VoteButton.build(reply.card, question_id, helpful):
            view.add_item(button)
    related = list(reply.related)
    if 0 < len(related) <= RELATED_BUTTONS_MAX:
        for card in related:
            if card_button := CardButton.build(card, question_id):
                view.add_item(card_button)
    elif related and (select := CardSelect.build("related", related, question_id)):
        view.add_item(select)
    return view if view.children else None


def suggestion_view(reply: Reply, question_id: str | None) -> discord.ui.View | None:
    """The cards to pick from, then More… when the decline has more cards worth offering."""
    if not reply.suggestions:
        return None
    select = CardSelect.build("pick", list(reply.suggestions), question_id)
    if select is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(select)
    paging = reply.paging
    if paging is not None and paging.more and (more := MoreButton.build(paging.number + 1, question_id)):
        view.add_item(more)
    return view


def view_for(reply: Reply, question_id: str | None) -> discord.ui.View | None:
    return answer_view(reply, question_id) if reply.answered else suggestion_view(reply, question_id)


DYNAMIC_ITEMS = (VoteButton, CardButton, CardSelect, MoreButton)
