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


def narrowest(largest: int) -> type[np.integer]:
    """The smallest integer type that holds 0 to `largest`, for arrays an engine keeps: its postings' rows are
    millions of numbers, and most bases have fewer than 65,536 rows (unsigned 16 bits) or 2**31 entries."""
    if largest < 2**16:
        return np.uint16
    return np.int32 if largest < 2**31 else np.int64


def ascending(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending: np.unique(values) from a sort. numpy 2.4's np.unique goes through a hash
    table first, many times the time of a sort on the build's arrays (bench/README.md)."""
    values = np.sort(values, axis=None)
    new = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=new[1:])
    return values[new]


def distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values (not negative), ascending, and each value's number among them: np.unique(values,
    return_inverse=True) with one sort of packed integers rather than an argsort."""
    key, bits = _sorted_with_positions(values)
    sorted_values = key >> bits
    new = np.ones(len(key), dtype=bool)
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=new[1:])
    key &= (1 << bits) - 1
    numbers = np.empty(len(key), dtype=np.int64)
    numbers[key] = np.cumsum(new) - 1
    return sorted_values[new], numbers


def last_places(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values (not negative), ascending, and where each last appears: np.unique(values[::-1],
    return_index=True) turned back to forward positions, from one sort of packed integers (numpy 2.4's np.unique
    hashes first)."""
    key, bits = _sorted_with_positions(values)
    sorted_values = key >> bits
    last = np.ones(len(key), dtype=bool)
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=last[:-1])
    key &= (1 << bits) - 1
    return sorted_values[last], key[last]


def _sorted_with_positions(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value (not negative) packed above its position into an int64, sorted: by value, then position, as a
    stable argsort orders them. numpy sorts plain integers with SIMD, several times faster than a stable argsort.
    Returns the keys and how many low bits hold the position."""
    bits = max(len(values) - 1, 0).bit_length()
    key = np.asarray(values, dtype=np.int64) << bits
    if int(np.max(values, initial=0)).bit_length() + bits > 63:
        raise ValueError("values too large to pack with their positions into an int64")
    key |= np.arange(len(values), dtype=np.int64)
    key.sort()
    return key, bits


def spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions of the spans [start, start + length), one after another.

    A running sum of steps of one, with a jump where each span begins: one array, where an arange plus the
    repeated offsets made three (first-touched memory costs as much as the arithmetic here).
    """
    nonempty = lengths > 0
    starts, lengths = starts[nonempty], lengths[nonempty]
    ends = np.cumsum(lengths)
    steps = np.ones(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
    if len(steps):
        steps[0] = starts[0]
        steps[ends[:-1]] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)
    return np.cumsum(steps, out=steps)


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


@dataclass(frozen=True)
class Postings:
    """Sparse rows stored by feature, as an index reads them: each (row, feature) once, features ascending and rows
    ascending within a feature. Row by row, a row's features come in order of first appearance (the order a dict per
    row has them, which a sum over a row must follow to match it to the last bit): `first` keeps where each entry
    first appeared in the stream of `size` entries it was summed from, when that is kept (not by `of_lists`).

    Rows and features are int32: a build has millions of entries, but fewer than 2**31, and fewer features.
    """

    features: np.ndarray
    rows: np.ndarray
    weights: np.ndarray  # each the sum of its entries' weights, added in the order they came (float64)
    first: np.ndarray | None  # only `in_row_order` reads it
    size: int

    @classmethod
    def summed(cls, rows: np.ndarray, features: np.ndarray, weights: np.ndarray | None) -> Postings:
        """Entries in row order, each (row, feature) any number of times, added up as a dict per row adds them;
        without weights, counted. Sorted by feature, then position: the order an index keeps.
        """
        key, bits = _sorted_with_positions(features)
        features = _shifted(key, bits)
        key &= (1 << bits) - 1
        return cls._runs(features, key, key, rows, weights)

    @classmethod
    def of_lists(cls, lists: Ragged, keys: np.ndarray, rows: np.ndarray, weights: np.ndarray) -> Postings:
        """Entry i adds each feature of list keys[i] to row rows[i] at weights[i]; rows must ascend.

        As `summed` on the lists laid out one after another, with each feature packed with its entry instead: rows
        and weights are then read from the entries (a few hundred thousand word parts) rather than from an array as
        long as all their lists (millions of n-grams). An entry's features in order of its place need no place in
        the key: a list's repeats of a feature weigh the same, whatever their order. Nothing reads these postings
        row by row, so where each first appeared is not kept, which spares their build a share (bench/README.md).
        """
        lengths = lists.lengths[keys]
        entry_bits = max(len(keys) - 1, 0).bit_length()
        if int(lists.values.max(initial=0)).bit_length() + entry_bits > 63:
            raise ValueError("too many entries and features to pack into an int64")
        key = np.asarray(lists.values, dtype=np.int64)[spans(lists.starts[keys], lengths)]
        key <<= entry_bits
        key |= np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
        key.sort()
        features = _shifted(key, entry_bits)
        key &= (1 << entry_bits) - 1
        return cls._runs(features, key, None, rows, weights)

    @classmethod
    def _runs(
        cls,
        features: np.ndarray,
        entries: np.ndarray,
        positions: np.ndarray | None,
        rows: np.ndarray,
        weights: np.ndarray | None,
    ) -> Postings:
        """Postings from entries sorted by feature, then position: each run of one (row, feature) added up, or
        counted when there are no weights. `positions`, each entry's place in the stream, if it is to be kept."""
        row_of = np.asarray(rows, dtype=np.int32)[entries]
        new = run_starts(features, row_of)
        if weights is None:
            sums = np.diff(np.flatnonzero(new), append=len(new)).astype(np.float64)
        else:
            sums = _run_sums(new, entries, np.asarray(weights, dtype=np.float64))
        return cls(features[new], row_of[new], sums, None if positions is None else positions[new], len(features))

    def grouped(self, group_of_row: np.ndarray) -> Postings:
        """Rows added up by group, row after row, as dicts added one after another do; groups must not decrease
        from row to row (a card's phrases come together). The rows of a group and feature are neighbours here, so
        no sort is needed."""
        groups = np.asarray(group_of_row, dtype=np.int32)[self.rows]
        new = run_starts(self.features, groups)
        runs = np.cumsum(new)
        runs -= 1
        sums = np.bincount(runs, weights=self.weights)
        # Taken by index: so many entries start a run that a mask this mixed costs more an array (bench/README.md).
        starts = np.flatnonzero(new)
        first = None if self.first is None else self.first[starts]
        return Postings(self.features[starts], groups[starts], sums, first, self.size)

    def in_row_order(self, *values: np.ndarray) -> list[np.ndarray]:
        """Each of `values` (arrays of one value per entry) listed row by row, each row's features in order of first
        appearance: spread to where each entry first appeared, then read in that order (no sort)."""
        if self.first is None:
            raise ValueError("these postings do not keep where their entries first appeared")
        taken = np.zeros(self.size, dtype=bool)
        taken[self.first] = True
        listed = []
        for array in values:
            spread = np.empty(self.size, dtype=array.dtype)
            spread[self.first] = array
            listed.append(spread[taken])
        return listed


def summed(
    rows: np.ndarray, features: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (row, feature) once, in order of first appearance, its weights added in order: as a dict per row does.
    Without weights, how many times each came. Rows must ascend."""
    postings = Postings.summed(rows, features, weights)
    rows, features, sums = postings.in_row_order(postings.rows, postings.features, postings.weights)
    return rows.astype(np.int64), features.astype(np.int64), sums


def _run_sums(new: np.ndarray, entries: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each run's weights added in order, as a dict adds them (0.0 + w is w): its first weight, then the few repeats.

    Runs are found from the mask alone, with no array of where each starts (an int64 for each run, nearly as many
    as the entries): the k-th repeat, at p, is in run p - k - 1, since k of the p entries before it are repeats too.
    """
    sums: np.ndarray = weights[entries[new]]
    repeats = np.flatnonzero(~new)
    np.add.at(sums, repeats - np.arange(1, len(repeats) + 1), weights[entries[repeats]])
    return sums


def _shifted(key: np.ndarray, bits: int) -> np.ndarray:
    """`key >> bits` as int32, in one pass: what the keys hold above `bits` fits in 31 bits (or is masked off)."""
    shifted = np.empty(len(key), dtype=np.int32)
    np.right_shift(key, bits, out=shifted, casting="unsafe")
    return shifted


def run_starts(features: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Where a run of equal (feature, row) starts: True at each entry unlike the one before."""
    new = np.ones(len(features), dtype=bool)
    np.not_equal(features[1:], features[:-1], out=new[1:])
    new[1:] |= rows[1:] != rows[:-1]
    return new
