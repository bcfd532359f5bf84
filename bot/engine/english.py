"""How common a word is in everyday English: tells a real word from a typo, and a filler word from a telling one.

The frequencies are pyspellchecker's English list (about 160,000 words), read once from the installed package.
"""

from __future__ import annotations

import gzip
import json
import math
from functools import cache
from importlib import resources

COMMON_WORD = 2000  # a word used at least this often in English is taken as meant, not as a typo
UNKNOWN_FLOOR = 0.35  # the least an unknown word weighs, for the commonest English words


@cache
def frequencies() -> dict[str, int]:
    data = resources.files("spellchecker") / "resources" / "en.json.gz"
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        return json.load(text)


def is_common(word: str) -> bool:
    return frequencies().get(word, 0) >= COMMON_WORD


def unknown_weight(word: str) -> float:
    """The weight of a word no card uses: full for rare words and names, less for everyday words."""
    count = frequencies().get(word, 0)
    if count <= 1:
        return 1.0
    return max(UNKNOWN_FLOOR, 1.0 - math.log10(count) / 8.0)
