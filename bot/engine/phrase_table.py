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
        self._set(hashes[order], b"".join([encoded[at] for at in order.tolist()]), np.cumsum(lengths), numbers)

    def _set(self, hashes: np.ndarray, text: bytes, ends: np.ndarray, numbers: np.ndarray) -> None:
        """The table's arrays, its phrases in the order of their hashes."""
        self._hashes = hashes
        self._text = text
        # Where each phrase ends in the text (the one before ends where it starts); and its number.
        self._ends = ends.astype(narrowest(int(ends[-1]) if len(ends) else 0))
        self._numbers = numbers.astype(narrowest(int(numbers.max()) if len(numbers) else 0))

    def _phrase(self, at: int) -> bytes:
        return self._text[int(self._ends[at - 1]) if at else 0 : int(self._ends[at])]

    def _find(self, key: bytes) -> int:
        """Where the phrase of these bytes is in the table, or -1."""
        hashed = np.uint32(zlib.crc32(key))
        at = int(np.searchsorted(self._hashes, hashed))
        while at < len(self._hashes) and self._hashes[at] == hashed:
            if self._phrase(at) == key:
                return at
            at += 1
        return -1

    def __getitem__(self, phrase: str) -> int:
        at = self._find(_encoded(phrase))
        if at < 0:
            raise KeyError(phrase)
        return int(self._numbers[at])

    def renumbered(self, numbers: np.ndarray, added: Mapping[str, int]) -> PhraseTable:
        """The table with each phrase's number n made `numbers[n]` (a negative one leaves the phrase out), then
        `added` laid over it, the smaller number kept where a phrase has two (the first card keeps a phrase two cards
        share). With arrays, not phrase by phrase: a reload of one card at 10,000 went through 50,000 phrases in
        Python for it (half a second)."""
        renumbered = np.asarray(numbers, dtype=np.int64)[self._numbers.astype(np.int64)]
        keep = renumbered >= 0
        extra: dict[bytes, int] = {}
        for phrase, number in added.items():
            key = _encoded(phrase)
            at = self._find(key)
            if at < 0:
                extra[key] = number
            else:
                renumbered[at] = min(number, renumbered[at]) if keep[at] else number
                keep[at] = True
        ends = self._ends.astype(np.int64)
        lengths = np.diff(ends, prepend=0)
        starts = ends - lengths
        kept = np.flatnonzero(keep)
        keys = sorted(extra, key=zlib.crc32)  # stable: as the hashes' order puts them
        hashes = np.fromiter(map(zlib.crc32, keys), dtype=np.uint32, count=len(keys))
        # Each added phrase goes after the kept ones of its hash or less, before the kept row at `before`.
        places = np.searchsorted(self._hashes[kept], hashes, side="right")
        before = np.append(kept, len(ends))[places].tolist()
        table = PhraseTable.__new__(PhraseTable)
        table._set(
            np.insert(self._hashes[kept], places, hashes),
            self._spliced(starts, [int(row) for row in np.flatnonzero(~keep)], keys, before),
            np.cumsum(np.insert(lengths[kept], places, np.fromiter(map(len, keys), dtype=np.int64, count=len(keys)))),
            np.insert(renumbered[kept], places, np.fromiter((extra[key] for key in keys), np.int64, len(keys))),
        )
        return table

    def _spliced(self, starts: np.ndarray, removed: list[int], added: list[bytes], before: list[int]) -> bytes:
        """The text without the phrases of the `removed` rows and with each `added` phrase put before the row given
        in `before` (the rows' count: at the end). A few cuts of the whole text rather than a gather of its every
        byte, which held the GIL 20 ms at 10,000 cards."""
        length = len(self._text)
        at = [int(starts[row]) if row < len(starts) else length for row in before]
        ends = self._ends
        events = sorted(
            [(int(starts[row]), 1, int(ends[row]), b"") for row in removed]
            + [(offset, 0, offset, phrase) for offset, phrase in zip(at, added, strict=True)],
            key=lambda event: (event[0], event[1]),
        )
        pieces, done = [], 0
        for offset, _, resume, phrase in events:
            pieces += [self._text[done:offset], phrase]
            done = resume
        pieces.append(self._text[done:])
        return b"".join(pieces)

    def __iter__(self) -> Iterator[str]:
        return (self._phrase(at).decode("utf-8", "surrogatepass") for at in range(len(self._hashes)))

    def __len__(self) -> int:
        return len(self._hashes)
