"""How common a word is in everyday English: tells a real word from a typo, and a filler word from a telling one.

The frequencies are pyspellchecker's English list (about 160,000 words), read once from the installed package.
"""

from __future__ import annotations

import gzip
import json
import math
from bisect import bisect_left
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Protocol

import numpy as np

from bot.engine.memo import WordCache

COMMON_WORD = 2000  # a word used at least this often in English is taken as meant, not as a typo
UNKNOWN_FLOOR = 0.7  # the least an unknown word weighs, for the commonest English words
WORD_LIST = ("resources", "en.json.gz")
POSITION_SLICE = 1 << 16  # bytes of the list searched for quotes at a time


class Counts(Protocol):
    def get(self, word: str, default: int, /) -> int: ...


class SortedCounts:
    """The list as its JSON text, searched in place: it is sorted by word, so a word is found by bisection over the
    positions of the quotes. A dict of every word would be built at every cold start, for the few words looked up
    (bench/README.md).
    """

    def __init__(self, data: bytes) -> None:
        quotes = _positions(data, ord('"'))
        self._data = data
        self._starts = quotes[0::2] + 1
        self._ends = quotes[1::2].copy()  # not a view: it would keep every quote's position alive

    @classmethod
    def parse(cls, data: bytes) -> Counts:
        """The counts in `data`, searched in place when it has the expected shape, else read as any JSON."""
        plain = data.lstrip().startswith(b"{") and b"\\" not in data and data.count(b'"') % 2 == 0
        return cls(data) if plain else json.loads(data)

    def _word(self, index: int) -> bytes:
        return self._data[int(self._starts[index]) : int(self._ends[index])]

    def get(self, word: str, default: int, /) -> int:
        key = word.encode()
        index = bisect_left(range(len(self._starts)), key, key=self._word)
        if index == len(self._starts) or self._word(index) != key:
            return default
        end = int(self._starts[index + 1]) - 1 if index + 1 < len(self._starts) else len(self._data)
        return int(self._data[int(self._ends[index]) + 1 : end].strip(b":, \n\r\t}"))


def _positions(data: bytes, byte: int) -> np.ndarray:
    """Where `byte` is in `data`, in 32 bits where they fit, found a slice at a time: a mask and an int64 position of
    the whole list at once (2.8 MB each) left the heap that much larger from a question's first unknown word on."""
    found = np.frombuffer(data, dtype=np.uint8)
    position = np.dtype(np.uint32 if len(data) < 2**32 else np.int64)
    slices = []
    for start in range(0, len(data), POSITION_SLICE):
        at = np.flatnonzero(found[start : start + POSITION_SLICE] == byte).astype(position)
        at += start
        slices.append(at)
    return np.concatenate(slices) if slices else np.zeros(0, dtype=position)


@cache
def frequencies() -> Counts:
    # Found without importing spellchecker: only its word list is needed, and the import would lengthen a cold start.
    spec = find_spec("spellchecker")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pyspellchecker is not installed")
    path = Path(next(iter(spec.submodule_search_locations)), *WORD_LIST)
    return SortedCounts.parse(gzip.decompress(path.read_bytes()))


@WordCache
def english_count(word: str) -> int:
    """How often the word is used in English: looked up once, though a question's unknown word is asked about
    three times (is it a typo, how much does it weigh, may its n-grams match)."""
    return frequencies().get(word, 0)


def is_common(word: str) -> bool:
    return english_count(word) >= COMMON_WORD


def unknown_weight(word: str) -> float:
    """The weight of a word no card uses: full for rare words and names, less for everyday words."""
    count = english_count(word)
    if count <= 1:
        return 1.0
    return max(UNKNOWN_FLOOR, 1.0 - math.log10(count) / 8.0)


# British endings and the American ones the word list knows (it is American English): "licence" and "license",
# "colour" and "color" then share a stem, so cards and members who spell them differently still match.
AMERICAN_ENDINGS = (
    ("ences", "enses"),
    ("ence", "ense"),
    ("ourites", "orites"),
    ("ourite", "orite"),
    ("ourable", "orable"),
    ("ouring", "oring"),
    ("oured", "ored"),
    ("ours", "ors"),
    ("our", "or"),
    ("isations", "izations"),
    ("isation", "ization"),
    ("ising", "izing"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("ise", "ize"),
    ("ysing", "yzing"),
    ("ysed", "yzed"),
    ("yses", "yzes"),
    ("yse", "yze"),
    ("tres", "ters"),
    ("tre", "ter"),
    ("ogues", "ogs"),
    ("ogue", "og"),
    ("elling", "eling"),
    ("elled", "eled"),
    ("mmes", "ms"),
    ("mme", "m"),
)
AMERICAN_WORDS = {"grey": "gray", "tyre": "tire", "tyres": "tires", "cheque": "check", "cheques": "checks"}
MIN_STEM_LETTERS = 3  # "four" is no British "for", nor "hour" an "hor"


@WordCache
def american(word: str) -> str:
    """The American spelling of a British one, where the word list uses it more; any other word as it is."""
    if word in AMERICAN_WORDS:
        return AMERICAN_WORDS[word]
    for british, us in AMERICAN_ENDINGS:
        if word.endswith(british) and len(word) - len(british) >= MIN_STEM_LETTERS:
            candidate = word[: -len(british)] + us
            return candidate if english_count(candidate) > english_count(word) else word
    return word
