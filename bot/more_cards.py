"""More cards for a question than its reply showed: the next "did you mean" cards of a decline (More…), and the
other cards after a 👎 on an answer.

A member can pick only a card the bot shows, and a pick is what teaches the bot (`bot.learn`). A reply shows three
cards at most, since a longer list reads as noise; but on cards with a few phrasings each the right one is often
ranked 4th or 5th, or under a wrong answer whose runners-up left it out. The member who asks for more, or says the
answer was wrong, gets the next cards of the same ranking: three at a time after a decline, and after a 👎 the
three that come closest but for the answer (one list: a member who says "not that" looks at what comes next, and
More… is there for the decline they were not given).
"""

from __future__ import annotations

from bot import replies
from bot.engine import Engine, Suggestion
from bot.engine.offers import SUGGESTIONS_MAX, offerable
from bot.learn import learned as learning
from bot.learn.learned import Learned
from bot.replies import Paging, Reply

PAGES_MAX = 3  # nine cards in all: a member who has not found theirs among them is better served by rephrasing


def offers(engine: Engine, learned: Learned, question: str, without: str | None = None) -> tuple[Suggestion, ...]:
    """Every card worth offering for the question, the decline's own "did you mean" first, then the rest as the
    engine ranks them; `without` (an answer voted down) left out."""
    match = learning.answer(engine, learned, question)
    shown = () if match.answered else match.suggestions
    kept: dict[str, Suggestion] = {}
    for suggestion in (*shown, *offerable(engine.rank(question))):
        if suggestion.card.id != without:
            kept.setdefault(suggestion.card.id, suggestion)
    return tuple(kept.values())[: SUGGESTIONS_MAX * PAGES_MAX]


def page(engine: Engine, learned: Learned, question: str, number: int, without: str | None = None) -> Reply:
    """The `number`th three of `offers` (from 0) as a reply to pick from, saying whether a next page follows."""
    found = offers(engine, learned, question, without)
    start = number * SUGGESTIONS_MAX
    cards = tuple(suggestion.card for suggestion in found[start : start + SUGGESTIONS_MAX])
    paging = Paging(number, without is None and len(found) > start + SUGGESTIONS_MAX, without)
    return replies.offered(cards, paging)
