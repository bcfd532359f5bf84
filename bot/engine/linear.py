"""A linear scorer trained on the cards' phrases: it learns which features tell a card from the cards it is
confused with, where plain TF-IDF weighs a shared word the same for every card that has it.

Training is a multiclass averaged perceptron with a margin (Collins, 2002; Crammer and Singer, 2003). A weight
exists only for a feature and a class whose phrases have that feature, stored as postings by feature like
`SparseIndex`, so the model grows with the cards' text rather than with features times cards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.entries import spans

# A row or a query is one or more blocks of features (say words, then character n-grams): each block is weighted
# by IDF and L2-normalised on its own, so a block with many features does not drown one with few.
Blocks = Sequence[Mapping[str, float]]

EPOCHS = 10
MARGIN = 1.0  # update whenever the right class leads the best wrong one by less than this
STEP_CAP = 1.0  # the largest step of one update
DROPOUT = 0.3  # the share of a row's features left out of each update
SEED = 0
ALL_RIVALS = 1000  # up to this many classes, a phrase is compared in training with every other class
# With more classes, a phrase is compared in training with only this many rival classes, those that share the
# most of its class's rarer features, rather than with every class through every long posting.
RIVALS = 30
RARE_SHARE = 0.01  # "rarer": in at most this share of the classes (or RIVALS classes, if more)
UNKNOWN_WEIGHT = 1.5  # a feature training never saw weighs as the rarest known one, times this, in a query's norm


@dataclass(frozen=True)
class _Rows:
    """Weighted rows as flat arrays: row r has features feature[indptr[r]:indptr[r + 1]] with those values."""

    indptr: np.ndarray
    feature: np.ndarray
    value: np.ndarray
    block: np.ndarray  # the block each entry belongs to


class LinearModel:
    """Scores every class (card) for a query: the sum over the query's weighted features of their learned weights."""

    def __init__(
        self,
        vocabularies: list[dict[str, int]],
        idf: np.ndarray,
        indptr: np.ndarray,
        classes: np.ndarray,
        weights: np.ndarray,
        n_classes: int,
        block_weights: Sequence[float],
    ) -> None:
        self.vocabularies = vocabularies  # per block: feature -> feature id (ids run on across blocks)
        self.idf = idf
        self.indptr = indptr  # feature f's postings are classes/weights[indptr[f]:indptr[f + 1]]
        self.classes = classes
        self.weights = weights
        self.n_classes = n_classes
        self.block_weights = tuple(block_weights)
        self.unknown_idf = (math.log(1 + n_classes) + 1.0) * UNKNOWN_WEIGHT

    @classmethod
    def train(
        cls,
        rows: Sequence[Blocks],
        labels: Sequence[int],
        n_classes: int,
        *,
        block_weights: Sequence[float] | None = None,
        epochs: int = EPOCHS,
        margin: float = MARGIN,
        seed: int = SEED,
        rivals: int = RIVALS,
    ) -> LinearModel:
        """Learn from `rows`, row i being one phrase of class labels[i]; the same input always gives the same model."""
        label = np.asarray(labels, dtype=np.int64).reshape(-1)
        if len(label) != len(rows):
            raise ValueError(f"{len(rows)} rows but {len(label)} labels")
        if len(label) and (label.min() < 0 or label.max() >= n_classes):
            raise ValueError(f"labels must lie in 0..{n_classes - 1}")
        n_blocks = max((len(row) for row in rows), default=1)
        block_weights = tuple(block_weights) if block_weights is not None else (1.0,) * n_blocks
        vocabularies, raw = _number(rows, n_blocks)
        idf = _idf(raw, label, n_classes)
        weighted = _weigh(raw, idf, block_weights)

        # One weight for each (feature, class) where a phrase of that class has the feature.
        n_features = len(idf)
        row_of = np.repeat(np.arange(len(rows)), np.diff(weighted.indptr))
        keys = np.unique(weighted.feature * n_classes + label[row_of])
        entry_feature, entry_class = np.divmod(keys, n_classes)
        indptr = _indptr(entry_feature, n_features)
        rival = (
            _rivals(weighted, label, n_classes, idf, indptr, entry_class, rivals) if n_classes > ALL_RIVALS else None
        )
        averaged = _perceptron(weighted, label, n_classes, indptr, entry_class, keys, rival, epochs, margin, seed)
        keep = averaged != 0  # never updated: adds nothing to any score
        return cls(
            vocabularies,
            idf,
            _indptr(entry_feature[keep], n_features),
            entry_class[keep].astype(np.int32),
            averaged[keep].astype(np.float32),
            n_classes,
            block_weights,
        )

    def weigh(self, query: Blocks) -> tuple[np.ndarray, np.ndarray]:
        """The query's known feature ids and their TF-IDF weights, each block L2-normalised (unknown ones count)."""
        ids: list[int] = []
        values: list[float] = []
        for vocabulary, block, block_weight in zip(self.vocabularies, query, self.block_weights, strict=False):
            known = [(vocabulary[feature], tf) for feature, tf in block.items() if feature in vocabulary]
            weights = [tf * float(self.idf[index]) for index, tf in known]
            unknown = sum((tf * self.unknown_idf) ** 2 for feature, tf in block.items() if feature not in vocabulary)
            norm = math.sqrt(sum(w * w for w in weights) + unknown)
            if norm > 0:
                ids.extend(index for index, _ in known)
                values.extend(w * block_weight / norm for w in weights)
        return np.array(ids, dtype=np.int64), np.array(values, dtype=np.float64)

    def scores(self, query: Blocks) -> np.ndarray:
        """One score per class; all zeros when no feature of the query was seen in training."""
        ids, values = self.weigh(query)
        entries, lengths = _postings(self.indptr, ids)
        contributions = self.weights[entries] * np.repeat(values, lengths)
        return np.bincount(self.classes[entries], weights=contributions, minlength=self.n_classes).astype(np.float64)


def _number(rows: Sequence[Blocks], n_blocks: int) -> tuple[list[dict[str, int]], _Rows]:
    """Feature ids, block after block, and the rows' raw term weights with their block as a second array."""
    vocabularies: list[dict[str, int]] = [{} for _ in range(n_blocks)]
    local: list[int] = []
    blocks: list[int] = []
    values: list[float] = []
    lengths: list[int] = []
    for row in rows:
        size = 0
        for block_index, block in enumerate(row):
            vocabulary = vocabularies[block_index]
            for feature, tf in block.items():
                if tf > 0:
                    local.append(vocabulary.setdefault(feature, len(vocabulary)))
                    blocks.append(block_index)
                    values.append(tf)
                    size += 1
        lengths.append(size)
    offsets = np.cumsum([0] + [len(v) for v in vocabularies])
    for vocabulary, offset in zip(vocabularies, offsets, strict=False):
        for feature in vocabulary:
            vocabulary[feature] += int(offset)
    block_of = np.array(blocks, dtype=np.int64)
    features = np.array(local, dtype=np.int64) + offsets[block_of] if local else np.zeros(0, dtype=np.int64)
    indptr = np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))
    return vocabularies, _Rows(indptr, features, np.array(values, dtype=np.float64), block_of)


def _idf(raw: _Rows, label: np.ndarray, n_classes: int) -> np.ndarray:
    """Smoothed IDF counted over classes, as `SparseIndex` counts it over cards."""
    n_features = int(raw.feature.max()) + 1 if len(raw.feature) else 0
    row_of = np.repeat(np.arange(len(raw.indptr) - 1), np.diff(raw.indptr))
    pairs = np.unique(raw.feature * max(n_classes, 1) + label[row_of]) // max(n_classes, 1)
    df = np.bincount(pairs, minlength=n_features)
    return np.log((1 + n_classes) / (1 + df)) + 1.0


def _weigh(raw: _Rows, idf: np.ndarray, block_weights: Sequence[float]) -> _Rows:
    """TF-IDF, each block of each row L2-normalised and scaled by its block weight."""
    block = raw.block
    n_rows = len(raw.indptr) - 1
    row_of = np.repeat(np.arange(n_rows), np.diff(raw.indptr))
    group = row_of * len(block_weights) + block
    value = raw.value * idf[raw.feature]
    norms = np.sqrt(np.bincount(group, weights=value * value, minlength=n_rows * len(block_weights)))
    value = value / norms[group] * np.asarray(block_weights, dtype=np.float64)[block]
    return _Rows(raw.indptr, raw.feature, value, block)


def _indptr(sorted_features: np.ndarray, n_features: int) -> np.ndarray:
    indptr = np.zeros(n_features + 1, dtype=np.int64)
    np.cumsum(np.bincount(sorted_features, minlength=n_features), out=indptr[1:])
    return indptr


def _postings(indptr: np.ndarray, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The entry indices of all the postings of `features`, feature after feature, and how many each has."""
    starts = indptr[features]
    lengths = indptr[features + 1] - starts
    return spans(starts, lengths), lengths


def _lookup(
    keys: np.ndarray, features: np.ndarray, values: np.ndarray, classes: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """The entries of `features` for `classes` only (those that exist), and the feature value of each."""
    wanted = (features[:, None] * n_classes + classes[None, :]).ravel()
    found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    exists = keys[found] == wanted
    return found[exists], np.repeat(values, len(classes))[exists]


def _rivals(
    rows: _Rows,
    label: np.ndarray,
    n_classes: int,
    idf: np.ndarray,
    indptr: np.ndarray,
    entry_class: np.ndarray,
    count: int,
) -> np.ndarray:
    """For each class, itself and the `count` classes whose phrases share the most IDF weight of its rarer
    features (a common feature's long postings are skipped: they would cost the most and tell the least)."""
    rare = idf >= math.log((1 + n_classes) / (1 + max(count, RARE_SHARE * n_classes))) + 1.0
    rival = np.zeros((n_classes, count + 1), dtype=np.int64)
    row_of = np.repeat(np.arange(len(label)), np.diff(rows.indptr))
    order = np.argsort(label[row_of], kind="stable")
    starts = np.searchsorted(label[row_of][order], np.arange(n_classes + 1))
    for cls in range(n_classes):
        features = np.unique(rows.feature[order[starts[cls] : starts[cls + 1]]])
        features = features[rare[features]]
        entries, lengths = _postings(indptr, features)
        shared = np.bincount(entry_class[entries], weights=np.repeat(idf[features], lengths), minlength=n_classes)
        shared[cls] = -np.inf
        best = np.argpartition(-shared, count - 1)[:count]
        rival[cls] = np.concatenate(([cls], np.sort(best)))
    return rival


def _perceptron(
    rows: _Rows,
    label: np.ndarray,
    n_classes: int,
    indptr: np.ndarray,
    entry_class: np.ndarray,
    keys: np.ndarray,
    rival: np.ndarray | None,
    epochs: int,
    margin: float,
    seed: int,
) -> np.ndarray:
    """Averaged weights. Each row in turn (shuffled each epoch), with a random part of its features left out,
    moves its class toward it and the best wrong class away from it, by just enough to lead by `margin`
    (passive-aggressive, capped at STEP_CAP); leaving features out keeps one strong feature from carrying a class."""
    weights = np.zeros(len(entry_class), dtype=np.float64)
    # The running sum of every update times its step gives the average over steps without summing each step.
    timed = np.zeros(len(entry_class), dtype=np.float64)
    step = 1
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        for row in rng.permutation(len(label)):
            start, end = rows.indptr[row], rows.indptr[row + 1]
            kept = rng.random(end - start) >= DROPOUT
            features, kept_values = rows.feature[start:end][kept], rows.value[start:end][kept] / (1 - DROPOUT)
            if rival is None:
                entries, lengths = _postings(indptr, features)
                values = np.repeat(kept_values, lengths)
            else:
                entries, values = _lookup(keys, features, kept_values, rival[label[row]], n_classes)
            classes = entry_class[entries]
            scores = np.bincount(classes, weights=weights[entries] * values, minlength=n_classes).astype(np.float64)
            right = label[row]
            if rival is not None:  # only the rivals compete: every other class's score is unknown here
                competing = np.full(n_classes, -np.inf)
                competing[rival[right]] = scores[rival[right]]
                scores = competing
            lead = scores[right]
            scores[right] = -np.inf
            wrong = int(np.argmax(scores))
            loss = margin - lead + (scores[wrong] if n_classes > 1 else 0.0)
            if loss > 0:
                toward = classes == right
                away = classes == wrong if n_classes > 1 else np.zeros_like(toward)
                size = float(values[toward] @ values[toward] + values[away] @ values[away])
                rate = min(STEP_CAP, loss / size) if size > 0 else 0.0
                for chosen, sign in ((toward, rate), (away, -rate)):
                    weights[entries[chosen]] += sign * values[chosen]
                    timed[entries[chosen]] += sign * step * values[chosen]
            step += 1
    return weights - timed / step
