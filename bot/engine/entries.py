"""Sparse rows as flat numpy entries (row, feature, weight): a build handles millions of them, where a Python dict
per row would cost seconds and hundreds of megabytes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, count

import numpy as np


def numbered(items: Iterable[str], size: int) -> tuple[np.ndarray, list[str]]:
    """Each of `size` items as a number, distinct items numbered 0, 1, 2, ... in order of first appearance."""
    # `first` keeps the position an item was first seen at; the running count of first appearances turns those
    # positions into numbers.
    first: dict[str, int] = {}
    seen_at = np.fromiter(map(first.setdefault, items, count()), dtype=np.int64, count=size)
    is_new = seen_at == np.arange(size)
    return (np.cumsum(is_new, dtype=np.int64) - 1)[seen_at], list(first)


def spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions of the spans [start, start + length), one after another."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)


@dataclass(frozen=True)
class Ragged:
    """A list of lists of numbers as one flat array: list k is values[starts[k]:starts[k] + lengths[k]]."""

    values: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray

    @classmethod
    def of(cls, lists: Sequence[Sequence[int]]) -> Ragged:
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        starts = np.zeros(len(lists), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        values = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(lengths.sum()))
        return cls(values, starts, lengths)

    def expand(self, keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The lists of `keys`, one after another, and for each value the row of the key it came from."""
        lengths = self.lengths[keys]
        return np.repeat(rows, lengths), self.values[spans(self.starts[keys], lengths)]


def summed(
    rows: np.ndarray, features: np.ndarray, weights: np.ndarray, n_features: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (row, feature) once, in order of first appearance, its weights added in order: as a dict per row does.

    Rows must ascend. bincount adds in entry order from 0.0, so the sums match the dict's to the last bit. A stable
    argsort of the nearly sorted keys is several times faster than np.unique, which sorts again for its inverse.
    """
    key = rows.astype(np.int64) * max(n_features, 1) + features
    at = np.argsort(key, kind="stable")
    sorted_key = key[at]
    del key
    new = np.ones(len(at), dtype=bool)
    new[1:] = sorted_key[1:] != sorted_key[:-1]
    del sorted_key
    inverse = np.empty(len(at), dtype=np.int64)
    inverse[at] = np.cumsum(new) - 1
    sums = np.bincount(inverse, weights=weights, minlength=int(new.sum()))
    first = np.zeros(len(at), dtype=bool)
    first[at[new]] = True
    return rows[first], features[first], sums[inverse[first]]
