"""Choose the answer threshold and margin from the cards themselves, so the same defaults serve any knowledge base.

A threshold chosen on one set of cards does not carry over: a five-card server written with three phrasings a card
scores its members' questions far lower than a base with ten phrasings and many keywords. So at build time the
engine asks itself two kinds of question whose right decision it knows: each card's own phrasings held out of an
engine built without them (they should be answered with their card), and generic messages that no community's
card answers (`offtopic.txt`, shipped with the engine; they should be declined). The threshold and margin that get
the most of both right are the ones used. The result is cached with the index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from bot.cards.model import Card

T = TypeVar("T")
OFF_TOPIC_FILE = Path(__file__).with_name("offtopic.txt")
MIN_CARDS = 3
MIN_HELD_OUT = 8  # fewer held-out phrasings than this say too little: generic messages alone set the threshold
# With too few phrasings to hold out, the lowest threshold that declines this share of the generic messages: a
# two-card server still answers its members' questions, and "good morning all" stays unanswered.
OFF_TOPIC_ONLY_DECLINED = 0.98
N_FOLDS = 5  # each fold leaves a fifth of the cards out whole
# A larger base is calibrated on a seeded sample of its cards, and each fold asks a sample of its questions.
CALIBRATION_CARDS_MAX = 400
# Of a sample, three of the five folds are built and asked: the calibration was a fifth of a start from 10,000 card
# files. On synthetic bases of 1,000 to 10,000 cards three folds moved the threshold 1.5 points at most, about what
# another seed moves it with five (up to 2). A smaller base keeps all five, and its values.
SAMPLED_FOLDS = 3
ASKED_MAX = 50  # held-out phrasings, and as many phrasings of left-out cards, a fold
# Never under the score a "did you mean" needs (`FLOOR`, on the lexical scale): a card not worth offering is not
# worth answering with. Nor over 50: above it, held-out phrasings that nearly repeat the kept ones ("how to X" beside
# "how do I X") make every threshold look as good, and the cautious pick would decline what a person sees answered.
FLOOR = 15.0
THRESHOLDS = np.arange(0.0, 50.5, 0.5)
MARGINS = np.array([0.0, 0.5, 1.0, 2.0, 3.0, 5.0])
# How much each set's share of right decisions counts: held-out phrasings, near misses, generic off-topic messages.
WEIGHTS = (1.0, 0.25, 0.5)
TOLERANCE = 0.02  # of the weighted shares: about one question in fifty


class Ranks(Protocol):
    def __call__(self, question: str) -> tuple[str | None, float, float]: ...  # best card, its score, its lead


@dataclass(frozen=True)
class Calibration:
    """The decision chosen for one knowledge base, and what it was chosen on (shown by `check` and `eval`)."""

    threshold: float
    margin: float
    held_out: int  # card phrasings asked of an engine built without them
    held_out_right: float  # the share of them answered with their card at this threshold and margin
    near_misses: int  # phrasings of cards left out of the engine asked
    near_misses_declined: float  # the share of them declined
    off_topic: int  # generic messages asked
    off_topic_declined: float  # the share of them declined
    fallback: bool = False  # too few phrasings to learn from: the threshold comes from generic messages alone

    def describe(self) -> str:
        if self.fallback:
            chosen = (
                f"{self.off_topic_declined:.0%} of {self.off_topic} generic off-topic messages declined"
                if self.off_topic
                else "the defaults"
            )
            return (
                f"threshold {self.threshold:g} and margin {self.margin:g} ({chosen}; only {self.held_out} card "
                f"phrasings could be held out, fewer than {MIN_HELD_OUT} to learn from)"
            )
        return (
            f"threshold {self.threshold:g} and margin {self.margin:g}, chosen on the cards: "
            f"{self.held_out_right:.0%} of {self.held_out} held-out card phrasings answered with their card, "
            f"{self.near_misses_declined:.0%} of {self.near_misses} phrasings of left-out cards declined, "
            f"{self.off_topic_declined:.0%} of {self.off_topic} generic off-topic messages declined"
        )


def floor(trained_weight: float) -> float:
    """The lowest threshold tried. The floor is a lexical score; with the trained part on, the lexical score is only
    `1 - trained_weight` of a card's, and the rest a softmax share spread over every card, so the same card scores
    far lower: on CLINC150 with ten phrasings a card and the trained part at 0.85, the calibration's measure peaks at
    a threshold of 9, under the lexical floor."""
    return FLOOR * (1.0 - trained_weight)


@cache
def off_topic_messages() -> tuple[str, ...]:
    lines = OFF_TOPIC_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class Fold:
    """One engine's worth of questions: the cards it is built on, the phrasings taken out of them (each should be
    answered with its card), and the phrasings of cards left out whole (each should be declined: a question in the
    base's own words that no card answers, the near miss a generic list cannot give)."""

    cards: list[Card]
    held_out: list[tuple[str, str]]  # (phrasing, card id)
    absent: list[str]


def folds(cards: Sequence[Card], seed: int = 0) -> list[Fold]:
    """Folds in which each card is left out whole in turn (a fifth of them a fold) and otherwise gives one phrasing
    (never its title; a card with one question gives none); of a large base's sample, the first `SAMPLED_FOLDS`."""
    rng = np.random.default_rng(seed)
    n_folds = N_FOLDS
    if len(cards) > CALIBRATION_CARDS_MAX:
        chosen = rng.choice(len(cards), CALIBRATION_CARDS_MAX, replace=False)
        cards = [cards[int(i)] for i in sorted(chosen)]
        n_folds = SAMPLED_FOLDS
    if len(cards) < MIN_CARDS:
        return []
    group = rng.permutation(len(cards)) % N_FOLDS
    offsets = rng.integers(0, 1 << 30, len(cards))
    made = []
    for fold in range(n_folds):
        kept: list[Card] = []
        held_out: list[tuple[str, str]] = []  # a phrasing and its card
        absent: list[str] = []
        for card, card_group, offset in zip(cards, group, offsets, strict=True):
            if card_group == fold:
                absent.extend(card.questions[1:] or card.questions)
                continue
            alternates = len(card.questions) - 1
            if alternates < 1:
                kept.append(card)
                continue
            drop = 1 + int(offset + fold) % alternates
            held_out.append((card.questions[drop], card.id))
            kept.append(replace(card, questions=card.questions[:drop] + card.questions[drop + 1 :]))
        made.append(Fold(kept, _sample(rng, held_out), _sample(rng, absent)))
    return made


def _sample(rng: np.random.Generator, items: list[T]) -> list[T]:
    if len(items) <= ASKED_MAX:
        return items
    return [items[int(i)] for i in sorted(rng.choice(len(items), ASKED_MAX, replace=False))]


def _answered(scored: Sequence[tuple[float, float]]) -> np.ndarray:
    """For every (threshold, margin) of the grid, which of these (score, lead) pairs would be answered."""
    score = np.array([s for s, _ in scored], dtype=np.float64).reshape(-1)
    lead = np.array([g for _, g in scored], dtype=np.float64).reshape(-1)
    return (score >= THRESHOLDS[:, None, None]) & (lead >= MARGINS[None, :, None])


def choose(
    held_out: Sequence[tuple[float, float, bool]],
    near_misses: Sequence[tuple[float, float]],
    off_topic: Sequence[tuple[float, float]],
    lowest: float = FLOOR,
) -> tuple[float, float, float, float, float]:
    """The threshold (`lowest` at least) and margin that get the most of the three sets right, give or take
    `TOLERANCE`.

    `held_out` holds (best score, lead over the runner-up, best card is right) a phrasing, the others (best score,
    lead) a question. Returns the threshold, the margin, and the share of each set decided right.
    """
    right = np.array([r for _, _, r in held_out], dtype=bool)
    answered_right = (_answered([(s, g) for s, g, _ in held_out]) & right).mean(axis=2)
    shares = [answered_right]
    for questions in (near_misses, off_topic):
        shares.append(1.0 - _answered(questions).mean(axis=2) if questions else np.ones_like(answered_right))
    objective = sum(weight * share for weight, share in zip(WEIGHTS, shares, strict=True))
    objective[np.less(THRESHOLDS, lowest)] = -np.inf  # never chosen
    # Where the evidence hardly tells settings apart, the most cautious one: a decline still offers the card, a wrong
    # answer misleads. Within that, the smallest margin for the threshold.
    near_best = np.argwhere(objective >= objective.max() - TOLERANCE)
    i, j = max(near_best, key=lambda ij: (ij[0], -ij[1]))
    return float(THRESHOLDS[i]), float(MARGINS[j]), *(float(share[i, j]) for share in shares)  # type: ignore[return-value]


def calibrate(
    cards: Sequence[Card],
    ranker: Callable[[list[Card]], Ranks],
    fallback: tuple[float, float],
    trained_weight: float = 0.0,
) -> Calibration:
    """`ranker(cards)` builds an engine on those cards (with a trained part of `trained_weight`) and returns a function
    giving a question's best card, its score and its lead over the next card."""
    held_out: list[tuple[float, float, bool]] = []
    near_misses: list[tuple[float, float]] = []
    off_topic: list[tuple[float, float]] = []
    for fold in folds(cards):
        rank = ranker(fold.cards)
        for question, card_id in fold.held_out:
            best, score, lead = rank(question)
            held_out.append((score, lead, best == card_id))
        near_misses.extend(rank(question)[1:] for question in fold.absent)
        if not off_topic:
            off_topic = [rank(message)[1:] for message in off_topic_messages()]
    if len(held_out) < MIN_HELD_OUT:
        return _off_topic_only(cards, ranker, fallback, len(held_out), floor(trained_weight))
    threshold, margin, right, near_declined, off_declined = choose(
        held_out, near_misses, off_topic, floor(trained_weight)
    )
    return Calibration(
        threshold, margin, len(held_out), right, len(near_misses), near_declined, len(off_topic), off_declined
    )


def _off_topic_only(
    cards: Sequence[Card],
    ranker: Callable[[list[Card]], Ranks],
    fallback: tuple[float, float],
    held_out: int,
    lowest: float,
) -> Calibration:
    """A base too small to hold phrasings out of: the lowest threshold that declines nearly every generic message
    asked of the whole base, the fixed margin. The fixed threshold suits a large base, and declines most of what a
    handful of cards with two or three phrasings each could answer."""
    threshold, margin = fallback
    if not cards:
        return Calibration(threshold, margin, held_out, 0.0, 0, 0.0, 0, 0.0, fallback=True)
    rank = ranker(list(cards))
    scores = np.array([rank(message)[1] for message in off_topic_messages()], dtype=np.float64)
    declined = (scores[None, :] < THRESHOLDS[:, None]).mean(axis=1)
    enough = np.flatnonzero((declined >= OFF_TOPIC_ONLY_DECLINED) & np.greater_equal(THRESHOLDS, lowest))
    chosen = int(enough[0]) if len(enough) else len(THRESHOLDS) - 1
    return Calibration(
        float(THRESHOLDS[chosen]), margin, held_out, 0.0, 0, 0.0, len(scores), float(declined[chosen]), fallback=True
    )
