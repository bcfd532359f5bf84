"""Chat words: the lexicon of shorthand and variant spellings shipped with the engine (`chat_words.txt`).

A data file rather than code, so that a reader can check every entry at a glance and a change to it is a change to
data alone; the index cache's key hashes it with the engine's modules, so an edit rebuilds the index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from bot.engine.text import clean

CHAT_WORDS_FILE = Path(__file__).with_name("chat_words.txt")
WORD = re.compile(r"[a-z0-9]+")  # a word as `text.clean` leaves it


class ChatWordsError(ValueError):
    """A line of the lexicon that cannot be read: named by file and line, so the fix is obvious."""


def parse(lines: Iterable[str], source: str) -> dict[str, tuple[str, ...]]:
    """Each `typed = meant` line as typed → the words meant; anything else is an error naming its line."""
    words: dict[str, tuple[str, ...]] = {}
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        typed, equals, meant = (part.strip() for part in text.partition("="))
        meaning = tuple(meant.split())
        where = f"{source}:{number}"
        if not equals or "=" in meant or not WORD.fullmatch(typed) or not meaning:
            raise ChatWordsError(f"{where}: expected `typed = meant` (one lowercase word = one or more), got {text!r}")
        if not all(WORD.fullmatch(word) for word in meaning):
            raise ChatWordsError(f"{where}: {meant!r} must be lowercase words of letters and digits")
        if squeezed := [word for word in (typed, *meaning) if clean(word) != word]:
            word = squeezed[0]
            raise ChatWordsError(f"{where}: {word!r} is never read: questions and cards are cleaned to {clean(word)!r}")
        if meaning == (typed,):
            raise ChatWordsError(f"{where}: {typed!r} is mapped to itself")
        if typed in words:
            raise ChatWordsError(f"{where}: {typed!r} is listed twice")
        words[typed] = meaning
    return words


@cache
def chat_words() -> Mapping[str, tuple[str, ...]]:
    """The shipped lexicon, read once: a malformed line stops the first build with the line's number."""
    return parse(CHAT_WORDS_FILE.read_text(encoding="utf-8").splitlines(), CHAT_WORDS_FILE.name)
