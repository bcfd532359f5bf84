"""What kind of fact a question asks for: a person, a time, a place, an amount or steps to follow.

A card answers the kinds of question its own phrases ask. "When was the Open Compute Project founded" shares its
topic with a card about the project, but asks for a date the card does not give.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The word that opens a question of each kind (or ends it: "llama 3 when"), or the noun after an opening "what" or
# "which" ("what year"); "how much" and "how many" ask for an amount wherever they stand, "how do i" and "how to"
# for steps when they open the question.
_OPENERS = {
    "who": "person",
    "whos": "person",
    "whom": "person",
    "whose": "person",
    "when": "time",
    "where": "place",
    "whered": "place",
    "wheres": "place",
}
_WHAT = frozenset({"what", "which", "whats"})
_NAMED_KINDS = {"year": "time", "date": "time", "day": "time", "month": "time", "city": "place", "country": "place"}
_AMOUNT = frozenset({"much", "many"})
_STEPS = frozenset({"do", "can", "to", "would", "should"})
OPENING_WORDS = 3  # "hey bot who ..." still opens with "who"; "… when it comes to …" does not
_TRIGGERS = frozenset(_OPENERS) | _WHAT | {"how"}
_NOTHING: frozenset[str] = frozenset()


def asks(cleaned: str) -> frozenset[str]:
    """The kinds of fact a cleaned question asks for; none for what, why, is and the like, which any card may answer."""
    words = cleaned.split()
    if _TRIGGERS.isdisjoint(words):  # most questions: a build asks this of every card's every question
        return _NOTHING
    kinds: set[str] = set()
    last = len(words) - 1
    for position, word in enumerate(words):
        if word not in _TRIGGERS:
            continue
        opening = position < OPENING_WORDS
        following = words[position + 1] if position < last else ""
        if word in _OPENERS:
            if opening or position == last:
                kinds.add(_OPENERS[word])
        elif word == "how":
            if following in _AMOUNT:
                kinds.add("amount")
            elif following in _STEPS and opening:
                kinds.add("steps")
        elif following in _NAMED_KINDS and opening:
            kinds.add(_NAMED_KINDS[following])
    return frozenset(kinds)


def answered_kinds(cleaned_questions: Iterable[str], cleaned_answer: str = "") -> frozenset[str]:
    """Every kind of fact a card's own questions ask for, and an amount or a time its answer gives: a card written
    with three phrasings answers "how many warnings before a mute" when its answer counts them."""
    return frozenset().union(*map(asks, cleaned_questions), given(cleaned_answer))


def given(cleaned_answer: str) -> frozenset[str]:
    """An amount when the answer has a number, a time when it names a day, a month or a time of day."""
    words = set(cleaned_answer.split())
    kinds = set()
    if any(word[:1].isdigit() for word in words) or not _NUMBER_WORDS.isdisjoint(words):
        kinds.add("amount")
    if not _TIME_WORDS.isdisjoint(words) or any(_CLOCK.fullmatch(word) for word in words):
        kinds.add("time")
    return frozenset(kinds)


_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty hundred thousand million billion half "
    "dozen once twice first second third fourth fifth".split()
)
_TIME_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday weekday weekend daily weekly monthly yearly annually "
    "january february march april may june july august september october november december morning afternoon "
    "evening night midnight noon today tomorrow yesterday year years month months week weeks day days hour hours "
    "minute minutes utc".split()
)
_CLOCK = re.compile(r"\d{1,2}(?:am|pm|h)|\d{4}")
