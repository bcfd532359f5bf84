"""What the More… tests on both fake platforms share: cards with more to offer than a decline shows, and a question
that gets such a decline, found from the cards rather than written down."""

from __future__ import annotations

from bot.engine import Engine
from tests.conftest import SHIPPED_KNOWLEDGE

GAMING = SHIPPED_KNOWLEDGE / "examples" / "gaming"  # 26 cards: declines with more than three cards worth offering


def paged_question(engine: Engine) -> str:
    """A question the engine declines with more cards worth offering than it shows."""
    words = [word for card in engine.cards for word in card.title.lower().rstrip("?").split() if len(word) > 3]
    for first in words:
        for second in words:
            match = engine.answer(f"{first} {second}")
            if not match.answered and match.more:
                return match.question
    raise AssertionError("no question on these cards gets more cards than a decline shows")
