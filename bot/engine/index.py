"""A TF-IDF index stored by feature, so a query only touches the postings of its own features."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class SparseIndex:
    """Rows of L2-normalised TF-IDF vectors; `scores` gives the cosine of a query with every row.

    Document frequency is counted per group (a card), not per row (one of its questions), so that a word every
    phrasing of one card repeats still counts as rare.
    """

    def __init__(self, rows: Sequence[Counter[str]], groups: Sequence[int]) -> None:
        self.n_rows = len(rows)
        n_groups = len(set(groups)) or 1
        seen: dict[str, set[int]] = {}
        for row, group in zip(rows, groups, strict=True):
            for feature in row:
                seen.setdefault(feature, set()).add(group)
        self.unknown_idf = math.log(1 + n_groups) + 1.0
        self.features = {feature: index for index, feature in enumerate(sorted(seen))}
        self.idf = np.array([math.log((1 + n_groups) / (1 + len(seen[f]))) + 1.0 for f in self.features], dtype=float)

        postings: list[list[tuple[int, float]]] = [[] for _ in self.features]
        for row_index, row in enumerate(rows):
            weights = {
                self.features[f]: (1.0 + math.log(count)) * self.idf[self.features[f]] for f, count in row.items()
            }
            norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
            for feature_index, weight in weights.items():
                postings[feature_index].append((row_index, weight / norm))
        self.indptr = np.zeros(len(postings) + 1, dtype=np.int64)
        self.indptr[1:] = np.cumsum([len(p) for p in postings])
        self.rows = np.fromiter((r for p in postings for r, _ in p), dtype=np.int32, count=int(self.indptr[-1]))
        self.values = np.fromiter((v for p in postings for _, v in p), dtype=np.float32, count=int(self.indptr[-1]))

    def scores(self, query: Counter[str]) -> np.ndarray:
        """Cosine similarity of `query` with every row; words the index never saw weigh as the rarest."""
        known: list[tuple[int, float]] = []
        norm2 = 0.0
        for feature, count in query.items():
            index = self.features.get(feature)
            idf = self.idf[index] if index is not None else self.unknown_idf
            weight = (1.0 + math.log(count)) * idf
            norm2 += weight * weight
            if index is not None:
                known.append((index, weight))
        result = np.zeros(self.n_rows, dtype=np.float32)
        if not known or norm2 == 0:
            return result
        norm = math.sqrt(norm2)
        for index, weight in known:
            start, end = self.indptr[index], self.indptr[index + 1]
            result[self.rows[start:end]] += self.values[start:end] * (weight / norm)
        return result
