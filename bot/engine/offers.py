"""The cards a reply offers beside its decision: the runners-up under an answer, the "did you mean" of a decline.

A card the bot never shows is one no member can pick, and a pick is what teaches the bot (`bot.learn`). On cards with
a few phrasings each a right card and a wrong one score alike, so a reply offers the cards a member may have meant
whenever the ranking is not clear, a few more buttons at most: a wrong answer then leads to the right card.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.cards.model import Card
    from bot.engine.matcher import Suggestion

SUGGESTIONS_MAX = 3  # a decline's "did you mean", however its cards score
SUGGESTION_FLOOR = 15.0  # below this a card is no useful "did you mean" (chosen on the dev set), unless it relates
# Under an answer, the runners-up scoring at least this share of the best score, up to CLOSE_MAX: where cards have
# a few phrasings a wrong answer's right card scores about half of it (46% to 75% on the example bases' sets, which
# chose this share: `eval --learn`), and shown there it is picked.
CLOSE_SHARE = 0.45
CLOSE_MAX = 2


def worth_offering(suggestion: Suggestion) -> bool:
    """A card that shares a word or a close spelling with the question, or scores well enough: never a stray one."""
    return suggestion.related or suggestion.score >= SUGGESTION_FLOOR


def offerable(ranked: Sequence[Suggestion]) -> tuple[Suggestion, ...]:
    """Every card of `ranked` worth offering, in its order."""
    return tuple(suggestion for suggestion in ranked if worth_offering(suggestion))


def did_you_mean(ranked: Sequence[Suggestion]) -> tuple[Suggestion, ...]:
    """A decline's suggestions: the first three worth offering. No more at once: a list past three is read as noise;
    the member who wants the next ones asks for them (More…, `bot/more_cards.py`)."""
    return offerable(ranked)[:SUGGESTIONS_MAX]


def runners_up(
    answer: Card, ranked: Sequence[Suggestion], offered: Sequence[Suggestion] = ()
) -> tuple[Suggestion, ...]:
    """The cards to offer under an answer: `offered` first (what a clause the answer was decided on offered), then
    the cards of `ranked` other than the answer that score at least CLOSE_SHARE of its best, CLOSE_MAX at most."""
    best = ranked[0].score if ranked else 0.0
    close = [
        suggestion
        for suggestion in ranked
        if suggestion.card.id != answer.id and suggestion.score >= CLOSE_SHARE * best and worth_offering(suggestion)
    ]
    kept: dict[str, Suggestion] = {}
    for suggestion in (*offered, *close):
        kept.setdefault(suggestion.card.id, suggestion)
    return tuple(kept.values())[:CLOSE_MAX]
