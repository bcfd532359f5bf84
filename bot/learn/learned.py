"""What the community has taught the engine, as the engine holder applies it: live phrasings added to their cards
before a build, and the questions on which a card must not be the answer.

The cards' files stay the source of truth: a live phrasing lives in the store until `learn export` writes it into
its card's file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.cards.model import KnowledgeBase
from bot.engine import Engine, Match, Outcome, Suggestion
from bot.engine.matcher import QUERY_MAX_CHARS
from bot.engine.offers import SUGGESTIONS_MAX, worth_offering
from bot.engine.text import clean


def question_key(question: str) -> str:
    """A question as the engine compares it with a card's phrasings: two questions with one key are one question."""
    return clean(question[:QUERY_MAX_CHARS])


@dataclass(frozen=True)
class Learned:
    """Live phrasings by card id (as first asked), and the (question key, card id) pairs voted down."""

    phrasings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    blocked: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, live: Iterable[tuple[str, str]], blocked: Iterable[tuple[str, str]] = ()) -> Learned:
        """From (card id, question) pairs, in the order they went live."""
        phrasings: dict[str, tuple[str, ...]] = {}
        for card, question in live:
            phrasings[card] = (*phrasings.get(card, ()), question)
        return cls(phrasings, frozenset(blocked))

    def applied(self, knowledge: KnowledgeBase) -> KnowledgeBase:
        """The cards with their live phrasings after their own questions. A phrasing whose card is gone, or which
        is already a phrasing of any card (a file edited since, an export), is left out: one question, one card."""
        if not self.phrasings:
            return knowledge
        taken = {question_key(question) for card in knowledge.cards.values() for question in card.asked}
        cards = dict(knowledge.cards)
        for card_id, questions in self.phrasings.items():
            card = cards.get(card_id)
            if card is None:
                continue
            added = []
            for question in questions:
                key = question_key(question)
                if key and key not in taken:
                    taken.add(key)
                    added.append(question)
            if added:
                cards[card_id] = dataclasses.replace(card, learned=(*card.learned, *added))
        return KnowledgeBase(knowledge.sources, cards)


def answer(engine: Engine, learned: Learned, question: str) -> Match:
    """The engine's answer, unless its card was voted down on this very question: then a decline that still offers
    that card first among the "did you mean" cards."""
    match = engine.answer(question)
    if match.card is None or (question_key(question), match.card.id) not in learned.blocked:
        return match
    others = [
        suggestion
        for suggestion in engine.rank(question)
        if suggestion.card.id != match.card.id and worth_offering(suggestion)
    ]
    offered = (Suggestion(match.card, match.score), *others)
    return Match(
        question, Outcome.LOW_SCORE, match.score, None, offered[:SUGGESTIONS_MAX], more=len(offered) > SUGGESTIONS_MAX
    )
