"""A card as an admin types it into a form (on any platform): the fields read into what the card writer takes.

Discord's and Slack's card forms have the same fields; reading them lives here, once, so a card added from either
chat is the same file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.cards.model import Card, CardSource
from bot.cards.writer import Draft

SPLIT = re.compile(r"\s*[\n,]\s*")
NO_SOURCE = "Give a source: a web address, or the id of a document in sources.yaml."
BAD_SOURCE = "The source is not usable: {reason}"


def cited(text: str) -> CardSource | None:
    """The source as typed: a web address (and after it, a title, and after a last comma the section), or a
    sources.yaml id (and after a comma, the section); None when nothing usable is typed. ValueError when the model
    refuses it (an address with a space, …)."""
    text = text.strip()
    if not text:
        return None
    if text.startswith(("http://", "https://")):
        url, _, named = text.partition(" ")
        title, _, section = named.rpartition(",") if "," in named else (named, "", "")
        return CardSource(url=url, title=title.strip() or None, section=section.strip() or None)
    document, _, section = text.partition(",")
    return CardSource(document=document.strip(), section=section.strip() or None)


def questions_of(question: str, phrasings: str) -> tuple[str, ...]:
    """The title, then each other phrasing (one a line), once each."""
    typed = [question.strip(), *(line.strip() for line in phrasings.splitlines())]
    return tuple(dict.fromkeys(question for question in typed if question))


def draft_of(question: str, phrasings: str, answer: str, tags: str, source: str) -> Draft | str:
    """The card the form describes, or what is wrong with the form itself (the checks of `bot check` come later)."""
    try:
        cites = cited(source)
    except ValueError as exc:
        return BAD_SOURCE.format(reason=exc)
    if cites is None:
        return NO_SOURCE
    tag_list = [tag.casefold() for tag in SPLIT.split(tags.strip()) if tag]
    return Draft(questions_of(question, phrasings), answer, cites, tuple(tag_list))


def clipped(text: str, limit: int) -> str:
    """The text, cut between words to fit a form's field (a prefilled field over its limit is refused)."""
    text = text.strip()
    return text if len(text) <= limit else text[:limit].rsplit(maxsplit=1)[0]


def find_card(cards: Mapping[str, Card], value: str) -> Card | None:
    """The card named by its id (picked from a list) or its title as typed, if it has a file to change."""
    typed = value.strip().casefold()
    card = cards.get(value.strip()) or next((card for card in cards.values() if card.title.casefold() == typed), None)
    return card if card is not None and card.path is not None else None
