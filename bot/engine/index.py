"""A TF-IDF index stored by feature, so a query only touches the postings of its own features."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np


class SparseIndex:
    """Rows of L2-normalised TF-IDF vectors; `scores` gives the cosine of a query with every row.

    Rows and queries map each feature to its term weight; the index multiplies in the IDF. Document frequency is
    counted per group (a card), not per row (one of its questions), so that a word every phrasing of one card
    repeats still counts as rare.
    """

    def __init__(self, rows: Sequence[Mapping[str, float]], groups: Sequence[int], unknown_weight: float = 1.0) -> None:
        self.n_rows = len(rows)
        n_groups = len(set(groups)) or 1
        seen: dict[str, set[int]] = {}
        for row, group in zip(rows, groups, strict=True):
            for feature in row:
                seen.setdefault(feature, set()).add(group)
        self.unknown_idf = (math.log(1 + n_groups) + 1.0) * unknown_weight
        self.features = {feature: index for index, feature in enumerate(seen)}
        idf = [math.log((1 + n_groups) / (1 + len(groups_of))) + 1.0 for groups_of in seen.values()]
        self.idf = np.array(idf, dtype=np.float64)

        postings: list[list[tuple[int, float]]] = [[] for _ in self.features]
        for row_index, row in enumerate(rows):
            weights = {self.features[f]: tf * idf[self.features[f]] for f, tf in row.items()}
            norm = math.sqrt(sum(weight * weight for weight in weights.values())) or 1.0
            for feature_index, weight in weights.items():
                postings[feature_index].append((row_index, weight / norm))
        self.indptr = np.zeros(len(postings) + 1, dtype=np.int64)
        self.indptr[1:] = np.cumsum([len(p) for p in postings])
        self.rows = np.fromiter((r for p in postings for r, _ in p), dtype=np.int32, count=int(self.indptr[-1]))
        self.values = np.fromiter((v for p in postings for _, v in p), dtype=np.float32, count=int(self.indptr[-1]))

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
        result = np.zeros(self.n_rows, dtype=np.float32)
        if not known or norm2 == 0:
            return result
        norm = math.sqrt(norm2)
        for index, weight in known:
            start, end = self.indptr[index], self.indptr[index + 1]
            result[self.rows[start:end]] += self.values[start:end] * (weight / norm)
        return result
