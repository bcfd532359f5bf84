"""An index of many rows with a few replaced, added or left out, sharing the unchanged rows' arrays with the index
they came from: a one-card reload at 10,000 cards costs the few cards' rows, not a build (`update.py`).

A question's features weigh as a full build of the new cards would weigh them: the changed cards' features with the
document frequency the whole base now gives them, every other feature with its IDF moved by the change in the number
of cards. The new rows are weighed so too. The base's rows keep the weights they were built with: an unchanged row
that has a changed card's feature keeps that feature's old weight and its norm, one card off, and every row's IDF
misses the move in the number of cards. That is the update's departure from a full build (measured in
`tests/engine/test_update.py`; it grows with the cards changed since the full build, which `update.py` bounds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from bot.engine.index import SparseIndex


class LayeredIndex(SparseIndex):
    """The rows of `base` (each moved to `base_to[row]`, or left out where that is -1) and of `patch` (each moved to
    `patch_to[row]`), as one index of `n_rows` rows over `n_groups` groups. `changed` holds the IDF of the features
    whose frequency the change moved; `gone`, the features no row has any more.

    Only the queries' methods are served (`scores`, `covered`, `has`, `holding`, `idf_of`, `knows`); the arrays of a
    built index are the base's and the patch's own."""

    def __init__(
        self,
        base: SparseIndex,
        base_to: np.ndarray,
        patch: SparseIndex,
        patch_to: np.ndarray,
        changed: Mapping[str, float],
        gone: frozenset[str],
        n_groups: int,
        unknown_weight: float,
    ) -> None:
        self.base, self.patch = base, patch
        self.changed, self.gone = dict(changed), gone
        self.n_rows = int(len(patch_to) + np.count_nonzero(base_to >= 0))
        self.n_groups = n_groups
        self.unknown_idf = (math.log(1 + n_groups) + 1.0) * unknown_weight
        # An added or removed card moves every feature's IDF by as much: log((1 + n) / (1 + df)) + 1.
        self._shift = math.log(1 + n_groups) - math.log(1 + base.n_groups)
        self._kept_from = np.flatnonzero(base_to >= 0)
        self._base_to = np.asarray(base_to, dtype=np.int64)
        self._patch_to = np.asarray(patch_to, dtype=np.int64)
        # Each row's place in its layer: a base row as itself, a patch row p as -(p + 1).
        self._where = np.empty(self.n_rows, dtype=np.int64)
        self._where[self._base_to[self._kept_from]] = self._kept_from
        self._where[self._patch_to] = -np.arange(1, len(patch_to) + 1)

    def known_idf(self, feature: str) -> float | None:
        if feature in self.gone:
            return None
        idf = self.changed.get(feature)
        if idf is not None:
            return idf
        idf = self.base.known_idf(feature)
        return None if idf is None else idf + self._shift

    def holding(self, feature: str, rows: np.ndarray) -> np.ndarray:
        found = np.zeros(len(rows), dtype=bool)
        if feature in self.gone:
            return found
        where = self._where[rows]
        in_base = where >= 0
        found[in_base] = self.base.holding(feature, where[in_base])
        found[~in_base] = self.patch.holding(feature, -where[~in_base] - 1)
        return found

    def knows(self, feature: str) -> bool:
        return self.known_idf(feature) is not None

    def scores(self, query: Mapping[str, float]) -> np.ndarray:
        """Cosine similarity of `query` with every row, the features weighed as `known_idf` says."""
        known: list[tuple[str, float]] = []
        norm2 = 0.0
        for feature, tf in query.items():
            idf = self.known_idf(feature)
            weight = tf * (idf if idf is not None else self.unknown_idf)
            norm2 += weight * weight
            if idf is not None:
                known.append((feature, weight))
        if not known or norm2 == 0:
            return np.zeros(self.n_rows, dtype=np.float32)
        norm = math.sqrt(norm2)
        layers = [
            layer.summed(
                [
                    (number, weight / norm)
                    for feature, weight in known
                    if (number := layer.features.get(feature)) is not None
                ]
            )
            for layer in (self.base, self.patch)
        ]
        result = np.zeros(self.n_rows, dtype=np.float64)
        result[self._base_to[self._kept_from]] = layers[0][self._kept_from]
        result[self._patch_to] = layers[1]
        return result.astype(np.float32)
