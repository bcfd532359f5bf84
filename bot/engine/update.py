"""A few changed, added or removed cards laid over the last full build, in place of building every card again.

A full build of 10,000 cards takes seconds and, beside the serving engine, a second engine's memory. When a reload
finds only a few cards changed since the last full build (`CHANGED_MAX_SHARE` of them, or `CHANGED_MIN`), the
changed cards alone are indexed, with the vocabulary the whole base now has, and laid over the base's indexes
(`layered.py`): the unchanged cards' arrays are the base's own, shared. Every index is the base's with the changed
cards' rows replaced, added or left out, and the vocabulary, exact phrases, titles and phrases' tables follow.

What differs from a full build: an unchanged card that shares a feature with a changed one keeps the weight (and
norm) that feature had in the base, its document frequency one card off; and the calibration is the base's (a
one-card change barely moves it; the next full build chooses it again). Whatever a few cards would change beyond
their own rows is left to a full build (`updated` returns None): a trained part (one matrix over every card), learned
phrasings (their words' typo rules reach every card), a change to the synonyms (they rewrite every card's words),
small talk on a changed card, and more cards changed than allowed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.cards.model import Card
from bot.engine.built import (
    UNKNOWN_WEIGHT,
    Index,
    Indexed,
    Read,
    indexed,
    small_talk_of,
    synonyms_of,
)
from bot.engine.entries import Postings
from bot.engine.index import SparseIndex
from bot.engine.layered import LayeredIndex
from bot.engine.vocabulary import Vocabulary

CHANGED_MAX_SHARE = 0.01  # cards changed since the last full build, as a share of the cards, for an update
CHANGED_MIN = 3  # however few the cards, this many may change
# A smaller base builds in a fraction of a second, to the last bit of a score: it is always built whole.
UPDATE_MIN_CARDS = 500
# How far an update's score (0-100) may be from a full build's. Measured (tests/engine/test_update.py): up to 1.7 with
# three of the 47 shipped cards changed; on 600 synthetic cards, 0.2 at most for one changed card.
SCORE_TOLERANCE = 2.0


def changed_max(n_cards: int) -> int:
    """How many cards may differ from the last full build's for an update rather than a build: none in a base small
    enough to build at once."""
    return max(CHANGED_MIN, math.floor(CHANGED_MAX_SHARE * n_cards)) if n_cards >= UPDATE_MIN_CARDS else 0


@dataclass(frozen=True)
class Base:
    """A full build's index and the cards it was built from, in order: what every update after it is laid over."""

    index: Index
    cards: tuple[Card, ...]
    places: dict[str, int]  # each card's place among them, by id

    @classmethod
    def of(cls, index: Index, cards: Sequence[Card]) -> Base:
        return cls(index, tuple(cards), {card.id: place for place, card in enumerate(cards)})


@dataclass(frozen=True)
class _Changes:
    to_new: np.ndarray  # each base card's place among the new cards, -1 where it is changed or gone
    added: list[int]  # the places of the new cards not in the base as they are (changed or new)
    removed: list[int]  # the base cards changed or gone


def _changes(base: Base, cards: Sequence[Card]) -> _Changes:
    position = base.places
    to_new = np.full(len(base.cards), -1, dtype=np.int64)
    added = []
    for place, card in enumerate(cards):
        at = position.get(card.id)
        if at is not None and (base.cards[at] is card or base.cards[at] == card):
            to_new[at] = place
        else:
            added.append(place)
    return _Changes(to_new, added, np.flatnonzero(to_new < 0).tolist())


def updated(base: Base, cards: Sequence[Card], trained_weight: float = 0.0, most: int | None = None) -> Index | None:
    """The index of `cards`, from `base` and the cards that differ from its own (`most` of them, by default
    `changed_max`); None when a full build is needed (as for a trained part of `trained_weight`)."""
    if trained_weight > 0:
        return None
    changes = _changes(base, cards)
    changed_ids = {cards[place].id for place in changes.added} | {base.cards[at].id for at in changes.removed}
    if not changed_ids or len(changed_ids) > (changed_max(len(cards)) if most is None else most):
        return None
    old = [base.cards[at] for at in changes.removed]
    new = [cards[place] for place in changes.added]
    index = base.index
    if index.linear is not None or index.vocabulary.learned_only:
        return None
    if any(card.learned for card in (*old, *new)) or not _same_synonyms(index.vocabulary, old, new, cards):
        return None
    frequencies = _Frequencies(index, len(cards))
    before = indexed(old, lambda read: index.vocabulary, frequencies.record)
    vocabulary = _counted(index.vocabulary, old, new)
    after = indexed(new, lambda read: vocabulary, frequencies.weigh)
    if before.card_talk or after.card_talk:
        return None
    return _laid_over(base, cards, changes, after, vocabulary, frequencies)


def _same_synonyms(vocabulary: Vocabulary, old: Sequence[Card], new: Sequence[Card], cards: Sequence[Card]) -> bool:
    """Whether the cards' synonyms are the base's: they rewrite the words of every card that has them."""
    if not any(card.synonyms for card in (*old, *new)):
        return True
    return {key: value for key, value in synonyms_of(cards).items() if key and value} == vocabulary.synonyms


def _counted(vocabulary: Vocabulary, old: Sequence[Card], new: Sequence[Card]) -> Vocabulary:
    """The vocabulary with the old cards' words taken out and the new cards' put in, as many cards using each."""
    counts = Counter(vocabulary.counts)
    gone = _words(old)
    counts.subtract(gone)
    counts.update(_words(new))
    for word in gone:
        if counts[word] <= 0:
            del counts[word]
    return Vocabulary(counts, vocabulary.synonyms)


def _words(cards: Sequence[Card]) -> Counter[str]:
    """Each word of the cards' texts, and how many of them use it."""
    return Read.of(cards).vocabulary({}).counts if cards else Counter()


class _Frequencies:
    """The document frequency of the changed cards' features over the whole new base: the base's, less the old
    cards' (`record`), plus the new cards' (`weigh`, which then makes the new cards' indexes with it)."""

    def __init__(self, index: Index, n_cards: int) -> None:
        self.base = {
            "phrase_words": index.phrase_words,
            "phrase_chars": index.phrase_chars,
            "card_words": index.card_words,
            "card_chars": index.card_chars,
        }
        self.n_cards = n_cards
        self.removed: dict[str, Counter[str]] = {name: Counter() for name in self.base}
        self.added: dict[str, dict[str, int]] = {name: {} for name in self.base}

    def _counts(
        self, postings: Postings, names: Sequence[str], groups: Sequence[int], by_group: Postings | None
    ) -> dict[str, int]:
        group_of_row = np.asarray(groups, dtype=np.int64).reshape(-1)
        df = SparseIndex.frequencies(postings, len(names), group_of_row, by_group)
        return {names[feature]: int(df[feature]) for feature in np.flatnonzero(df).tolist()}

    def record(
        self, name: str, postings: Postings, names: Sequence[str], groups: Sequence[int], by_group: Postings | None
    ) -> SparseIndex:
        """The old cards' frequencies noted; their index itself is not needed (an empty one stands for it)."""
        self.removed[name].update(self._counts(postings, names, groups, by_group))
        return SparseIndex([], [])

    def weigh(
        self, name: str, postings: Postings, names: Sequence[str], groups: Sequence[int], by_group: Postings | None
    ) -> SparseIndex:
        """The new cards' index, their features weighed with the whole base's new frequencies."""
        added = self.added[name] = self._counts(postings, names, groups, by_group)
        df = self._df(name)
        idf = np.array(
            [SparseIndex.idf_for(df[feature], self.n_cards) if feature in added else 0.0 for feature in names],
            dtype=np.float64,
        )
        return SparseIndex.weighted(postings, names, len(groups), idf, self.n_cards, UNKNOWN_WEIGHT)

    def _df(self, name: str) -> dict[str, int]:
        """The new document frequency of each feature the old or new cards have."""
        removed, added, base = self.removed[name], self.added[name], self.base[name]
        return {
            feature: base.document_frequency(feature) - removed[feature] + added.get(feature, 0)
            for feature in removed.keys() | added.keys()
        }

    def layered(self, name: str, patch: SparseIndex, base_to: np.ndarray, patch_to: np.ndarray) -> LayeredIndex:
        df = self._df(name)
        changed = {feature: SparseIndex.idf_for(n, self.n_cards) for feature, n in df.items() if n > 0}
        gone = frozenset(feature for feature, n in df.items() if n <= 0)
        return LayeredIndex(self.base[name], base_to, patch, patch_to, changed, gone, self.n_cards, UNKNOWN_WEIGHT)


def _laid_over(
    base: Base,
    cards: Sequence[Card],
    changes: _Changes,
    after: Indexed,
    vocabulary: Vocabulary,
    frequencies: _Frequencies,
) -> Index:
    """The new cards' index laid over the base's: rows, phrases, exact phrases and titles moved to the new order."""
    index, to_new, added = base.index, changes.to_new, np.asarray(changes.added, dtype=np.int64)
    # Phrases: each card's, card by card in the new order, the kept cards' from the base and the others' from the patch.
    base_start = np.asarray(index.phrase_start, dtype=np.int64)
    patch_start = np.searchsorted(np.asarray(after.groups, dtype=np.int64), np.arange(len(added) + 1))
    n_phrases = np.zeros(len(cards), dtype=np.int64)
    kept = np.flatnonzero(to_new >= 0)
    n_phrases[to_new[kept]] = np.diff(base_start)[kept]
    n_phrases[added] = np.diff(patch_start)
    phrase_start = np.concatenate(([0], np.cumsum(n_phrases)))
    base_rows = _moved(base_start, to_new, phrase_start)
    patch_rows = _moved(patch_start, added, phrase_start)
    text = np.empty(int(phrase_start[-1]), dtype=object)
    factor = np.empty(int(phrase_start[-1]), dtype=np.float64)
    kept_rows = np.flatnonzero(base_rows >= 0)
    text[base_rows[kept_rows]] = np.array(index.phrase_text, dtype=object)[kept_rows]
    factor[base_rows[kept_rows]] = index.phrase_factor[kept_rows]
    text[patch_rows] = np.array(after.phrase_text, dtype=object)
    factor[patch_rows] = after.factors
    # The first card in order keeps a phrase two cards share, as in a build.
    places = to_new.tolist()
    exact = index.exact.renumbered(to_new, {phrase: changes.added[card] for phrase, card in after.exact.items()})
    titles = [(title, places[card]) for title, card in index.titles if places[card] >= 0]
    titles += [(title, changes.added[card]) for title, card in after.titles]
    return Index(
        vocabulary=vocabulary,
        exact=exact,
        titles=tuple(sorted(titles)),
        phrase_start=phrase_start,
        phrase_text=tuple(text.tolist()),
        phrase_factor=factor,
        phrase_words=frequencies.layered("phrase_words", after.phrase_words, base_rows, patch_rows),
        phrase_chars=frequencies.layered("phrase_chars", after.phrase_chars, base_rows, patch_rows),
        card_words=frequencies.layered("card_words", after.card_words, to_new, added),
        card_chars=frequencies.layered("card_chars", after.card_chars, to_new, added),
        small_talk=small_talk_of(vocabulary, index.card_talk),
        card_talk=index.card_talk,
        taught={places[card]: words for card, words in index.taught.items() if places[card] >= 0},
        linear=None,
        trained_weight=index.trained_weight,
        calibration=index.calibration,
    )


def _moved(start: np.ndarray, to_new: np.ndarray, new_start: np.ndarray) -> np.ndarray:
    """Where each row of cards laid out by `start` goes when card c becomes card `to_new[c]` laid out by `new_start`
    (-1 for a card left out)."""
    card = np.repeat(np.arange(len(start) - 1), np.diff(start))
    place = to_new[card]
    return np.where(place >= 0, new_start[np.maximum(place, 0)] + np.arange(len(card)) - start[card], -1)
