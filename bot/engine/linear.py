"""A linear scorer trained on the cards' phrases: it learns which features tell a card from the cards it is
confused with, where plain TF-IDF weighs a shared word the same for every card that has it.

Training is a multinomial logistic regression (softmax) with L2, by minibatch Adam over sparse TF-IDF rows. It
learns negative weights too (a feature that speaks against a card), which the averaged perceptron it replaced,
with weights only where a card's phrases have the feature, could not. The weights are one dense matrix, features
by classes: a query reads only its own features' rows, and `fits` keeps the matrix to a size worth holding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bot.engine.entries import ascending, spans

# A row or a query is one or more blocks of features (say words, then character n-grams): each block is weighted
# by IDF and L2-normalised on its own, so a block with many features does not drown one with few.
Blocks = Sequence[Mapping[str, float]]

EPOCHS = 6
BATCH = 256
LEARNING_RATE = 0.01
BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8  # Adam's usual moments
L2 = 2.5e-6
SEED = 0
WEIGHTS_MAX = 20_000_000  # features times classes, float32: Adam's two moments are as large again each in training
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
        weights: np.ndarray,
        block_weights: Sequence[float],
    ) -> None:
        self.vocabularies = vocabularies  # per block: feature -> feature id (ids run on across blocks)
        self.idf = idf
        self.weights = weights  # features by classes
        self.block_weights = tuple(block_weights)
        self.unknown_idf = (math.log(1 + weights.shape[1]) + 1.0) * UNKNOWN_WEIGHT

    @staticmethod
    def fits(rows: Sequence[Blocks], n_classes: int) -> bool:
        """Whether a model of these rows stays within WEIGHTS_MAX (the weights grow with features times classes)."""
        n_blocks = max((len(row) for row in rows), default=0)
        n_features = sum(len({feature for row in rows for feature in row[b]}) for b in range(n_blocks))
        return n_features * n_classes <= WEIGHTS_MAX

    @classmethod
    def train(
        cls,
        rows: Sequence[Blocks],
        labels: Sequence[int],
        n_classes: int,
        *,
        block_weights: Sequence[float] | None = None,
        seed: int = SEED,
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
        weights = _softmax_regression(weighted, label, n_classes, len(idf), seed)
        return cls(vocabularies, idf, weights, block_weights)

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
        scores: np.ndarray = (values @ self.weights[ids]).astype(np.float64)
        return scores


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
    pairs = ascending(raw.feature * max(n_classes, 1) + label[row_of]) // max(n_classes, 1)
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


def _softmax_regression(rows: _Rows, label: np.ndarray, n_classes: int, n_features: int, seed: int) -> np.ndarray:
    """Dense weights (features by classes) of a multinomial logistic regression with L2, by minibatch Adam.

    Each batch is a dense matrix over only the features its rows have, so a step costs two small matrix products,
    and only those features' weights (and Adam's moments for them) move: a feature no row of the batch has gets no
    gradient but its decay, which is left for the steps that see it.
    """
    weights = np.zeros((n_features, n_classes), dtype=np.float32)
    mean = np.zeros_like(weights)
    square = np.zeros_like(weights)
    rng = np.random.default_rng(seed)
    step = 0
    for _ in range(EPOCHS):
        order = rng.permutation(len(label))
        for start in range(0, len(label), BATCH):
            batch = order[start : start + BATCH]
            lengths = rows.indptr[batch + 1] - rows.indptr[batch]
            entries = spans(rows.indptr[batch], lengths)
            features, column = np.unique(rows.feature[entries], return_inverse=True)
            x = np.zeros((len(batch), len(features)), dtype=np.float32)
            x[np.repeat(np.arange(len(batch)), lengths), column] = rows.value[entries]
            own = weights[features]  # gathered once: fancy indexing copies
            logits = x @ own
            logits -= logits.max(axis=1, keepdims=True)
            error = np.exp(logits)
            error /= error.sum(axis=1, keepdims=True)
            error[np.arange(len(batch)), label[batch]] -= 1.0  # the gradient of the log loss on the logits
            gradient = x.T @ (error / len(batch)) + L2 * own
            step += 1
            first = BETA1 * mean[features] + (1 - BETA1) * gradient
            second = BETA2 * square[features] + (1 - BETA2) * gradient * gradient
            mean[features], square[features] = first, second
            rate = LEARNING_RATE * math.sqrt(1 - BETA2**step) / (1 - BETA1**step)
            weights[features] = own - rate * first / (np.sqrt(second) + EPSILON)
    return weights
