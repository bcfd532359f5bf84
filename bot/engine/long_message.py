"""A long message read as a question with its story around it: the clause that asks says what is asked, the
clauses around it say what it is about.

The rule that halves a card holding too little of what a question names (`matcher.MIN_COVERAGE`) fits a question,
whose words are all things asked about. Most words of a long message tell a story ("my last day is next friday and
i live four hours from the office") that no card holds, so the card that answers it is halved as much as any other.
Such a message, when neither it nor a clause of it is answered, is decided whole once more with the rule reading the
words of its asking clause in full and the story's words only where the card has them, at a share of their weight:
the story can show that a card is on its topic, never that it is off it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from bot.engine.index import SparseIndex
from bot.engine.text import clean, is_question

# What a word of the story weighs beside a word of the asking clause, by squared weight as coverage counts it: the
# clause says what is asked, the story only where. At the clause's full weight, a story that mentions a card's word
# in passing ("there's a puddle by the printer") made that card the answer to a question about something else.
STORY_SHARE = 0.5


def asking_clause(parts: Sequence[str]) -> str | None:
    """The last clause of a long message that asks something, when other clauses tell its story."""
    asking = [part for part in parts if is_question(clean(part))]
    return asking[-1] if asking and len(parts) > 1 else None


def told_coverage(
    words: SparseIndex,
    message: Mapping[str, float],
    asked: Mapping[str, float],
    rows: np.ndarray,
    elsewhere: SparseIndex | None = None,
    taught: Mapping[int, frozenset[str]] | None = None,
) -> np.ndarray:
    """For each of `rows`, the share of what a long message names that the row holds (as `SparseIndex.covered`
    counts it), where `asked` (its asking clause's content words) counts in full and the message's other content
    words count only for a row that has them, at `STORY_SHARE` of their weight."""
    scale = math.sqrt(STORY_SHARE)  # on the term weight, which coverage squares
    story = {feature: tf * scale for feature, tf in message.items() if feature not in asked}
    named = [feature for feature in asked if words.knows(feature)]
    shares = np.ones(len(rows), dtype=np.float64)
    for at, row in enumerate(rows.tolist()):
        # A clause that names a word some card has asks about that: the story speaks only for a card that has it too.
        on_topic = not named or any(words.has(feature, row) for feature in named)
        held = {feature: tf for feature, tf in story.items() if on_topic and words.has(feature, row)}
        shares[at] = words.covered({**asked, **held}, np.array([row]), elsewhere, taught)[0]
    return shares
