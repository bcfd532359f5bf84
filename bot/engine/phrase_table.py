"""The phrases a question is answered by word for word, kept as one block of bytes and a few arrays.

A dict of every cleaned phrase is the largest Python object an index holds (10,000 cards: 50,000 phrases, 7.8 MB)
and the slowest part of reading the index cache back, which builds it key by key at every start. Here the phrases are
one UTF-8 block sorted by a CRC-32 of each: reading it back makes no object a phrase, and a lookup is a binary search
over the hashes, then a comparison of the bytes (two phrases may share a hash).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping

import numpy as np

from bot.engine.entries import narrowest


def _encoded(phrase: str) -> bytes:
    return phrase.encode("utf-8", "surrogatepass")  # any str, a lone surrogate too, as the dict took it


class PhraseTable(Mapping[str, int]):
    """A read-only mapping of phrases to numbers (a card's index), equal to the mapping it was made from."""

    def __init__(self, phrases: Mapping[str, int]) -> None:
        encoded = [_encoded(phrase) for phrase in phrases]
        hashes = np.fromiter(map(zlib.crc32, encoded), dtype=np.uint32, count=len(encoded))
        order = np.argsort(hashes, kind="stable")
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))[order]
        numbers = np.fromiter(phrases.values(), dtype=np.int64, count=len(encoded))[order]
        ends = np.cumsum(lengths)
        self._hashes = hashes[order]
        self._text = b"".join([encoded[at] for at in order.tolist()])
        # Where each phrase ends in the text (the one before ends where it starts); and its number.
        self._ends = ends.astype(narrowest(int(ends[-1]) if len(ends) else 0))
        self._numbers = numbers.astype(narrowest(int(numbers.max()) if len(numbers) else 0))

    def _phrase(self, at: int) -> bytes:
        return self._text[int(self._ends[at - 1]) if at else 0 : int(self._ends[at])]

    def __getitem__(self, phrase: str) -> int:
        key = _encoded(phrase)
        hashed = np.uint32(zlib.crc32(key))
        at = int(np.searchsorted(self._hashes, hashed))
        while at < len(self._hashes) and self._hashes[at] == hashed:
            if self._phrase(at) == key:
                return int(self._numbers[at])
            at += 1
        raise KeyError(phrase)

    def __iter__(self) -> Iterator[str]:
        return (self._phrase(at).decode("utf-8", "surrogatepass") for at in range(len(self._hashes)))

    def __len__(self) -> int:
        return len(self._hashes)
