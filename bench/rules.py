"""Choosing the decline threshold and margin on validation, under the two rules the results are reported by.

A matcher is summed up per query by its best intent and the scores of its best two intents, so any threshold and
margin can be tried without scoring again: a query is declined when its best score is under the threshold or
its lead over the runner-up is under the margin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OOS = -1  # the gold label of an out-of-scope query, and the prediction for a declined one
PAPER_RULE = "paper"  # Larson et al.: maximize 151-way validation accuracy, out-of-scope counted as a class
OPERATING_RULE = "in-scope-1pt"  # most out-of-scope recall keeping in-scope accuracy within 1 point of no threshold
NO_THRESHOLD = "none"
OPERATING_TOLERANCE = 0.01
MARGINS = np.arange(0.0, 20.5, 0.5)
THRESHOLDS_MAX = 400


@dataclass(frozen=True)
class Scored:
    """One matcher's view of a query set: `best` is an intent index, scores are 0–100, `gold` is OOS or an intent."""

    gold: np.ndarray
    best: np.ndarray
    first: np.ndarray
    second: np.ndarray

    def predict(self, threshold: float, margin: float) -> np.ndarray:
        declined = (self.first < threshold) | (self.first - self.second < margin)
        return np.where(declined, OOS, self.best)


@dataclass(frozen=True)
class Figures:
    in_scope_accuracy: float  # right intent and not declined, over in-scope queries
    oos_recall: float  # declined, over out-of-scope queries
    oos_precision: float  # out-of-scope, over declined queries
    accuracy: float  # 151-way: out-of-scope counted as a class


def figures(gold: np.ndarray, predicted: np.ndarray) -> Figures:
    in_scope = gold != OOS
    declined = predicted == OOS
    oos = ~in_scope
    return Figures(
        in_scope_accuracy=float(np.mean(predicted[in_scope] == gold[in_scope])) if in_scope.any() else 0.0,
        oos_recall=float(np.mean(declined[oos])) if oos.any() else 0.0,
        oos_precision=float(np.mean(oos[declined])) if declined.any() else 0.0,
        accuracy=float(np.mean(predicted == gold)),
    )


@dataclass(frozen=True)
class Choice:
    rule: str
    threshold: float
    margin: float


def _thresholds(scored: Scored) -> np.ndarray:
    """Candidate thresholds: just above each distinct best score (thinned to quantiles when there are many)."""
    values = np.unique(scored.first)
    if len(values) > THRESHOLDS_MAX:
        values = np.unique(np.quantile(scored.first, np.linspace(0, 1, THRESHOLDS_MAX)))
    return np.concatenate(([0.0], np.nextafter(values, np.inf)))


def _grid(scored: Scored) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For every (threshold, margin): the thresholds, margins, 151-way accuracy, in-scope accuracy, OOS recall."""
    thresholds = _thresholds(scored)
    in_scope = scored.gold != OOS
    right = scored.best == scored.gold
    lead = scored.first - scored.second
    kept = (scored.first[None, :, None] >= thresholds[:, None, None]) & (lead[None, :, None] >= MARGINS[None, None, :])
    correct = np.where(in_scope[None, :, None], kept & right[None, :, None], ~kept)
    n_in = max(int(in_scope.sum()), 1)
    n_out = max(int((~in_scope).sum()), 1)
    accuracy = correct.mean(axis=1)
    in_scope_accuracy = correct[:, in_scope, :].sum(axis=1) / n_in
    recall = correct[:, ~in_scope, :].sum(axis=1) / n_out
    t, m = np.meshgrid(thresholds, MARGINS, indexing="ij")
    return t, m, accuracy, in_scope_accuracy, recall


def _first_best(key: np.ndarray, t: np.ndarray, m: np.ndarray) -> tuple[float, float]:
    """The best key; ties go to the smallest margin, then the smallest threshold (the least strict setting)."""
    best = key.max()
    candidates = np.argwhere(np.isclose(key, best))
    i, j = min(candidates, key=lambda ij: (m[ij[0], ij[1]], t[ij[0], ij[1]]))
    return float(t[i, j]), float(m[i, j])


def choose(scored: Scored, rule: str) -> Choice:
    """The threshold and margin that `rule` picks on this (validation) set."""
    if rule == NO_THRESHOLD:
        return Choice(rule, 0.0, 0.0)
    t, m, accuracy, in_scope_accuracy, recall = _grid(scored)
    if rule == PAPER_RULE:
        return Choice(rule, *_first_best(accuracy, t, m))
    if rule == OPERATING_RULE:
        floor = in_scope_accuracy[0, 0] - OPERATING_TOLERANCE  # threshold 0, margin 0: nothing declined
        allowed = in_scope_accuracy >= floor - 1e-12
        # Most recall first, then most in-scope accuracy as the tie-break.
        key = np.where(allowed, recall + 1e-6 * in_scope_accuracy, -1.0)
        return Choice(rule, *_first_best(key, t, m))
    raise ValueError(f"unknown rule {rule!r}")
