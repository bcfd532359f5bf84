"""A TF-IDF index stored by feature, so a query only touches the postings of its own features."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import chain, pairwise

import numpy as np

from bot.engine.entries import Postings, ascending, narrowest, numbered, run_starts, spans

LONG_RUN = 256  # postings a run needs for an np.add.at of its own; shorter runs are added together


class SparseIndex:
    """Rows of L2-normalised TF-IDF vectors; `scores` gives the cosine of a query with every row.

    Rows and queries map each feature to its term weight; the index multiplies in the IDF. Document frequency is
    counted per group (a card), not per row (one of its questions), so that a word every phrasing of one card
    repeats still counts as rare.

    The postings are built as flat arrays (one entry per feature of a row) and sorted by feature with numpy: a
    Python list per feature costs an object an entry, seconds and far more memory on a large base (bench/README.md).

    A posting keeps its row alone. A row's cosine is the sum over features of q_f * idf_f * tf / norm[row]: the norm
    divides the sum once at the end (one vector op, no gather a posting), the IDF is folded into the query's scalar,
    and the term weight most of a feature's rows share (1 for most n-grams, 0.5 for a word pair) is kept once for
    the feature (`usual`). Its other rows (`other_rows`) come in runs that share a weight, kept once a run. A float32
    weight a posting took most of an index's memory, which the asks that read it made resident (bench/results.md).
    """

    def __init__(self, rows: Sequence[Mapping[str, float]], groups: Sequence[int], unknown_weight: float = 1.0) -> None:
        if len(groups) != len(rows):
            raise ValueError(f"{len(rows)} rows but {len(groups)} groups")
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        size = int(lengths.sum())
        features, names = numbered(chain.from_iterable(rows), size)
        tf = np.fromiter(chain.from_iterable(row.values() for row in rows), dtype=np.float64, count=size)
        row_of = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        self._fill(Postings.summed(row_of, features, tf), names, groups, unknown_weight)

    @classmethod
    def from_entries(
        cls,
        rows: np.ndarray,
        features: np.ndarray,
        weights: np.ndarray,
        names: Sequence[str],
        groups: Sequence[int],
        unknown_weight: float = 1.0,
    ) -> SparseIndex:
        """An index from flat entries (row, feature number into `names`, term weight), row by row: the same scores
        as from dict rows, its features numbered in the order of `names` rather than of first appearance.

        A build that numbers its features itself skips a dict per row, and a dict entry for each of its entries.
        Entries must come in row order, each (row, feature) once; names no entry uses are left out of the index.
        """
        if len(rows) and np.any(np.diff(rows) < 0):
            raise ValueError("entries must come in row order")
        return cls.from_postings(Postings.summed(rows, features, weights), names, groups, unknown_weight)

    @classmethod
    def from_postings(
        cls,
        postings: Postings,
        names: Sequence[str],
        groups: Sequence[int],
        unknown_weight: float = 1.0,
        by_group: Postings | None = None,
    ) -> SparseIndex:
        """An index from term weights already stored by feature: a build that has them so sorts nothing again.

        `by_group`, the postings already grouped (`postings.grouped(groups)`) where a build has them: each of their
        entries is one (feature, group), so the document frequencies are counted from them rather than found again
        from every entry (the phrases' n-grams: the most entries a build has).
        """
        index = cls.__new__(cls)
        index._fill(postings, names, groups, unknown_weight, by_group)
        return index

    def _fill(
        self,
        postings: Postings,
        names: Sequence[str],
        groups: Sequence[int],
        unknown_weight: float,
        by_group: Postings | None = None,
    ) -> None:
        """Postings, IDF and normalised weights; features no entry has are left out, the others keep their order."""
        group_of_row = np.asarray(groups, dtype=np.int64).reshape(-1)
        n_groups = len(ascending(group_of_row)) or 1
        # Features ascend in the postings: where each starts is a binary search, not a pass over every entry.
        bounds = np.searchsorted(postings.features, np.arange(len(names) + 1))
        used = np.flatnonzero(bounds[1:] > bounds[:-1])
        df = self.frequencies(postings, len(names), group_of_row, by_group, bounds)
        idf = np.zeros(len(names), dtype=np.float64)
        idf[used] = self._idf(df[used], n_groups)
        self._weigh(postings, names, len(group_of_row), idf, n_groups, unknown_weight)

    @classmethod
    def weighted(
        cls,
        postings: Postings,
        names: Sequence[str],
        n_rows: int,
        idf: np.ndarray,
        n_groups: int,
        unknown_weight: float = 1.0,
    ) -> SparseIndex:
        """An index of rows weighted with IDF counted elsewhere (`idf[i]` for `names[i]`, over `n_groups` groups): a
        few cards' rows added to an index of many (`layered.py`) weigh a feature as the whole base's frequency says."""
        index = cls.__new__(cls)
        index._weigh(postings, names, n_rows, idf, n_groups, unknown_weight)
        return index

    def _weigh(
        self,
        postings: Postings,
        names: Sequence[str],
        n_rows: int,
        idf: np.ndarray,
        n_groups: int,
        unknown_weight: float,
    ) -> None:
        self.n_rows = n_rows
        self.n_groups = n_groups
        self.unknown_idf = (math.log(1 + n_groups) + 1.0) * unknown_weight
        bounds = np.searchsorted(postings.features, np.arange(len(names) + 1))
        used = np.flatnonzero(bounds[1:] > bounds[:-1])
        self.features = {names[i]: number for number, i in enumerate(used.tolist())}
        self.idf = idf[used]
        squares = postings.weights * idf[postings.features]
        squares *= squares
        # A row's squares added in the postings' order (by feature) rather than its own: no spreading back to row
        # order. Its norm may differ in the last bit of a float64 from a sum in row order.
        self.norms = np.sqrt(np.bincount(postings.rows, weights=squares, minlength=self.n_rows))
        del squares
        self.norms[self.norms == 0] = 1.0
        weights = postings.weights
        self.usual = _usual(weights, bounds[used], bounds[used + 1])
        by_name = np.zeros(len(names), dtype=np.float64)
        by_name[used] = self.usual
        usual = weights == by_name[postings.features]
        del by_name
        # Rows kept in the narrowest type that holds them: most bases' whole cards fit 16 bits, half of int32.
        row_type = narrowest(self.n_rows - 1)
        self.indptr = _starts(postings.features[usual], used)
        self.rows = postings.rows[usual].astype(row_type)
        # The others by feature, then weight, their rows still ascending in each run: a few postings in ten.
        others = np.flatnonzero(~usual)
        del usual
        table = ascending(weights[others])
        codes = np.searchsorted(table, weights[others])
        key = postings.features[others].astype(np.int64) * len(table)
        key += codes
        order = np.argsort(key, kind="stable")
        others, codes = others[order], codes[order]
        features = postings.features[others]
        self.other_rows = postings.rows[others].astype(row_type)
        first = np.flatnonzero(run_starts(features, codes))
        self.run_weights = table[codes[first]]
        self.run_starts = np.append(first, len(others)).astype(narrowest(len(others)))  # each run's first posting
        self.other_runs = _starts(features[first], used)  # each feature's first run

    @classmethod
    def frequencies(
        cls,
        postings: Postings,
        n_features: int,
        group_of_row: np.ndarray,
        by_group: Postings | None = None,
        bounds: np.ndarray | None = None,
    ) -> np.ndarray:
        """How many groups (not rows) have each feature: from the postings grouped (`by_group`) where a build has
        them, else from the postings and where each feature's start (`bounds`, found when not given)."""
        if by_group is not None:
            return np.bincount(by_group.features, minlength=n_features)
        if bounds is None:
            bounds = np.searchsorted(postings.features, np.arange(n_features + 1))
        return cls._df(postings, group_of_row, bounds)

    @staticmethod
    def _df(postings: Postings, group_of_row: np.ndarray, bounds: np.ndarray) -> np.ndarray:
        """How many groups (not rows) have each feature; `bounds` are where each feature's postings start."""
        steps = np.diff(group_of_row)
        if np.all(steps > 0):  # a group a row (whole cards): the rows with a feature are its groups
            return np.diff(bounds)
        features, groups = postings.features, group_of_row[postings.rows]
        if not len(features) or np.all(steps >= 0):
            # Groups never go back from row to row, so within a feature a group is new where the group changes.
            pairs = features[run_starts(features, groups)]
        else:
            span = int(groups.max()) - int(groups.min()) + 1
            pairs = ascending(features.astype(np.int64) * span + (groups - groups.min())) // span
        return np.bincount(pairs, minlength=len(bounds) - 1)

    @staticmethod
    def idf_for(df: int, n_groups: int) -> float:
        """The smoothed IDF of a feature `df` of `n_groups` groups have, as a build computes it."""
        return math.log((1 + n_groups) / (1 + df)) + 1.0

    def document_frequency(self, feature: str) -> int:
        """How many groups have the feature, read back from its IDF (exact: the IDF is a float64 of a ratio of
        integers), 0 for one the index does not hold."""
        idf = self.known_idf(feature)
        return 0 if idf is None else round((1 + self.n_groups) / math.exp(idf - 1.0)) - 1

    @staticmethod
    def _idf(df: np.ndarray, n_groups: int) -> np.ndarray:
        """Smoothed IDF; math.log once per distinct frequency rather than np.log, which may differ in the last bit,
        and spread to the features in numpy (the n-gram indexes have a hundred thousand features)."""
        frequencies = ascending(df)
        idf = [SparseIndex.idf_for(d, n_groups) for d in frequencies.tolist()]
        return np.array(idf, dtype=np.float64)[np.searchsorted(frequencies, df)]

    def scores(self, query: Mapping[str, float]) -> np.ndarray:
        """Cosine similarity of `query` with every row; features the index never saw weigh as the rarest."""
        known: list[tuple[int, float]] = []
        norm2 = 0.0
        for feature, tf in query.items():
            index = self.features.get(feature)
            weight = tf * (self.idf[index] if index is not None else self.unknown_idf)
            norm2 += weight * weight
            if index is not None:
                known.append((index, weight))
        if not known or norm2 == 0:
            return np.zeros(self.n_rows, dtype=np.float32)
        norm = math.sqrt(norm2)
        return self.summed([(index, weight / norm) for index, weight in known]).astype(np.float32)

    def summed(self, scaled: Sequence[tuple[int, float]]) -> np.ndarray:
        """For every row, the sum over (feature number, scale) of scale * IDF * term weight / the row's norm, in
        float64: the cosines, when the scales are a query's weights over its norm.

        One np.add.at a feature's usual rows and one a run of its others, each with one scalar: faster than a
        gather, cast and scatter through temporary arrays, and than adding an array of weights (bench/README.md).
        The runs' bounds and scalars are found at once, in numpy; the norms divide the sum once."""
        result = np.zeros(self.n_rows, dtype=np.float64)
        if not scaled:
            return result
        numbers = np.array([number for number, _ in scaled], dtype=np.intp)
        times = np.array([scale for _, scale in scaled]) * self.idf[numbers]
        _add(result, self.rows, self.indptr[numbers], self.indptr[numbers + 1], times * self.usual[numbers])
        first = self.other_runs[numbers].astype(np.intp)
        counts = self.other_runs[numbers + 1] - first
        runs = spans(first, counts)
        values = np.repeat(times, counts) * self.run_weights[runs]
        _add(result, self.other_rows, self.run_starts[runs], self.run_starts[runs + 1], values)
        result /= self.norms
        return result

    def known_idf(self, feature: str) -> float | None:
        """The feature's IDF, None when no row has it."""
        index = self.features.get(feature)
        return None if index is None else float(self.idf[index])

    def holding(self, feature: str, rows: np.ndarray) -> np.ndarray:
        """Which of `rows` have the feature: a binary search in its usual rows and in each run of its others, whose
        rows ascend."""
        index = self.features.get(feature)
        if index is None:
            return np.zeros(len(rows), dtype=bool)
        found = _members(rows, self.rows[self.indptr[index] : self.indptr[index + 1]])
        bounds = self.run_starts[self.other_runs[index] : self.other_runs[index + 1] + 1].tolist()
        for start, end in pairwise(bounds):
            found |= _members(rows, self.other_rows[start:end])
        return found

    def knows(self, feature: str) -> bool:
        return feature in self.features

    def idf_of(self, feature: str) -> float:
        idf = self.known_idf(feature)
        return idf if idf is not None else self.unknown_idf

    def has(self, feature: str, row: int) -> bool:
        """Whether the row has the feature."""
        return bool(self.holding(feature, np.array([row]))[0])

    def covered(
        self,
        query: Mapping[str, float],
        rows: np.ndarray,
        elsewhere: SparseIndex | None = None,
        taught: Mapping[int, frozenset[str]] | None = None,
    ) -> np.ndarray:
        """For each of `rows`, the share of the query's weight (squared, as in its norm) on features it has, 0–1; all
        of it when the query has none (a question of function words only names nothing a row could lack).

        A feature this index lacks but a row's learned phrasings use (`taught`) is that row's, with the IDF it has
        `elsewhere`: members taught the word to that card. To every other row it weighs as the rarest word, as any
        word no card holds does: a learned phrasing of one card must not make another card hold more."""
        total = np.zeros(len(rows), dtype=np.float64)
        covered = np.zeros(len(rows), dtype=np.float64)
        for feature, tf in query.items():
            idf = self.known_idf(feature)
            if idf is not None:
                weight = (tf * idf) ** 2
                total += weight
                covered[self.holding(feature, rows)] += weight
                continue
            unknown = (tf * self.unknown_idf) ** 2
            has = np.array([feature in taught.get(int(row), ()) for row in rows], dtype=bool) if taught else None
            if has is None or not has.any():
                total += unknown
                continue
            known = (tf * (elsewhere.idf_of(feature) if elsewhere is not None else self.unknown_idf)) ** 2
            total += np.where(has, known, unknown)
            covered += np.where(has, known, 0.0)
        return np.divide(covered, total, out=np.ones(len(rows), dtype=np.float64), where=total > 0)


def _usual(weights: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each feature's usual term weight, from its postings weights[starts[i]:ends[i]]: the one two of its first,
    middle and last share, else its first's. Not always the most common, but found without a pass over every
    posting (the build's largest arrays); a feature it misses keeps more rows in runs of their own."""
    first, middle, last = weights[starts], weights[(starts + ends - 1) // 2], weights[ends - 1]
    usual: np.ndarray = np.where((middle == last) & (first != middle), middle, first)
    return usual


def _starts(features: np.ndarray, used: np.ndarray) -> np.ndarray:
    """Where each of the `used` features begins among `features` (ascending), and where the last one ends."""
    starts = np.append(np.searchsorted(features, used), len(features))
    return starts.astype(narrowest(len(features)))


def _add(result: np.ndarray, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, values: np.ndarray) -> None:
    """Each value added to `result` at the rows of its span of `rows`: a long span by an np.add.at of its own with one
    scalar, the short ones all together by one with an array of their values (a call costs what some 200 postings
    do: a small base's asks, and the calibration's, are mostly calls)."""
    starts = starts.astype(np.intp)
    lengths = ends - starts
    long = lengths >= LONG_RUN
    for start, end, value in zip(starts[long].tolist(), ends[long].tolist(), values[long].tolist(), strict=True):
        np.add.at(result, rows[start:end], value)
    short = ~long & (lengths > 0)
    if short.any():
        np.add.at(result, rows[spans(starts[short], lengths[short])], np.repeat(values[short], lengths[short]))


def _members(values: np.ndarray, ascending: np.ndarray) -> np.ndarray:
    """Which of `values` are in `ascending` (a feature's rows, in order): np.isin by binary search, which sorts
    nothing again and does not import numpy.ma (np.unique does, at a process's first question: 10 ms, 1.5 MB)."""
    at = np.searchsorted(ascending, values)
    found = np.zeros(len(values), dtype=bool)
    inside = at < len(ascending)
    found[inside] = ascending[at[inside]] == values[inside]
    return found


def top(scores: np.ndarray, k: int) -> np.ndarray:
    """The indices of the `k` highest scores, highest first, ties in index order.

    The same as `np.argsort(-scores, kind="stable")[:k]` without sorting every score, which on a large base costs
    a question milliseconds (bench/README.md).
    """
    if k <= 0 or not len(scores):
        return np.zeros(0, dtype=np.intp)
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    kth = np.partition(scores, len(scores) - k)[len(scores) - k]  # the k-th highest
    above = np.flatnonzero(scores > kth)
    tied = np.flatnonzero(scores == kth)[: k - len(above)]
    # Sorted, so the stable sort below keeps ties in index order; the two hold distinct indices, so a sort of both is
    # their union (np.union1d goes through np.unique, which imports numpy.ma at a first question: 10 ms, 1.5 MB).
    chosen = np.sort(np.concatenate((above, tied)))
    return chosen[np.argsort(-scores[chosen], kind="stable")]
