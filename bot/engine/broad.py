"""Broad questions ("what are the main criticisms", "what's next"): no one card answers them, several each answer a
part. Scored as usual, such a question goes to whichever part shares most words with it; the reply should give the
whole picture instead: the overview card that sums those parts up, or, with none, the parts as a list to pick from.

A question is read as broad only from its wording (`broad_cue`), and widened only where several cards score about
as well as the best (`parts`): "what are the risks of deepfakes" names plural risks, but one card leads it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the matcher hands its ranked cards over and builds its Match from what is found here
    from bot.cards.model import Card
    from bot.engine.matcher import Suggestion

# Plural nouns that ask for the parts of a whole: the sides of a choice, what is said against it, what it is for,
# what comes of it.
WHOLES = frozenset(
    """
    benefits advantages pros upsides perks merits gains positives
    cons downsides drawbacks disadvantages negatives
    criticisms critiques complaints objections concerns worries
    challenges risks dangers problems hurdles obstacles
    goals aims objectives motives motivations reasons priorities
    plans implications consequences takeaways
    """.split()
)
# Words that ask for the most important of several ("the main reasons", "the key points", "the biggest problems").
MARKERS = frozenset("main key biggest major principal primary overall".split())
MARKER_REACH = 2  # the plural it asks about comes within this many words after the marker ("main open problems")
# What comes next, in the question as cleaned ("what's next" reads "what next").
NEXT = re.compile(r"\bwhats? (?:is |comes |happens )?next\b|\bwhat lies ahead\b")
# A card is one of the parts when it scores at least this share of the best card's score: about as well.
CLOSE = 0.85
MIN_PARTS = 3  # several: fewer cards close in score are one answer and a runner-up
PARTS_MAX = 5  # a short list


def broad_cue(cleaned: str) -> str | None:
    """The words that make a question ask for a whole rather than one fact (None when none do)."""
    if found := NEXT.search(cleaned):
        return found.group()
    words = cleaned.split()
    for index, word in enumerate(words):
        if word in WHOLES:
            return word
        if word in MARKERS:
            plural = next((later for later in words[index + 1 : index + 1 + MARKER_REACH] if _plural(later)), None)
            if plural is not None:
                return f"{word} {plural}"
    return None


def _plural(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


def parts(ranked: Sequence[Suggestion]) -> list[Suggestion]:
    """The cards that score about as well as the best one and share a word with the question, best first."""
    if not ranked or not ranked[0].related:
        return []
    best = ranked[0]
    close = [s for s in ranked[1:] if s.related and s.score >= CLOSE * best.score]
    return [best, *close][:PARTS_MAX]


def overview_of(close: Sequence[Suggestion]) -> Suggestion | None:
    """The best-scoring overview among the close cards that covers another of them."""
    ids = {suggestion.card.id for suggestion in close}
    return next((s for s in close if not ids.isdisjoint(s.card.covers)), None)


@dataclass(frozen=True)
class Broad:
    """A broad question: the words that say so, and the overview to answer with or, with none, the parts to offer."""

    cue: str
    overview: Suggestion | None
    parts: tuple[Suggestion, ...]


def widen(cleaned: str, ranked: Sequence[Suggestion], answer: Card | None, tied: bool, floor: float) -> Broad | None:
    """What to give instead of the decision (`answer`, the card decided on; None for a decline, `tied` when the best
    cards were too close to call) when the question is broad and several cards answer a part of it; None when the
    decision stands. An overview card decided on stands; so does one part that no other card scores about as well
    as. For a declined question the overview is answered only when it scores `floor` (the threshold) but for
    what it lacks: else "what's next for the premier league" would get the card about what comes next; it heads
    the list instead. A list of parts is never an answer."""
    if answer is not None and answer.covers:
        return None
    cue = broad_cue(cleaned)
    if cue is None:
        return None
    close = parts(ranked)
    overview = overview_of(close)
    if overview is not None and overview.full_score >= floor:
        return Broad(cue, overview, tuple(close))
    if overview is not None or len(close) >= MIN_PARTS or (tied and len(close) > 1):
        first = [overview] if overview else []
        return Broad(cue, None, tuple(first + [part for part in close if part is not overview]))
    return None
