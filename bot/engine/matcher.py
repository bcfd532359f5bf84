"""Match a question to a card, or decline: the one decision every adapter and the eval share."""

from __future__ import annotations

import bisect
import math
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.metadata import version
from itertools import chain, pairwise
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from bot.cards.model import Card, KnowledgeBase
from bot.engine.cache import cached, source_digest
from bot.engine.english import unknown_weight
from bot.engine.index import SparseIndex, top
from bot.engine.linear import LinearModel
from bot.engine.text import char_ngrams, clean, is_content, stem
from bot.engine.vocabulary import Vocabulary

MAX_SUGGESTIONS = 3
SUGGESTION_FLOOR = 20.0  # below this a card is no useful "did you mean"
RERANK = 10  # candidates re-scored with rapidfuzz
MAX_QUERY_CHARS = 1000  # longer text is read only this far: no question needs more, and the cost stays bounded
# How the parts of the score add up (each part is 0–1): the best matching question of a card, the card as a
# whole (all its questions, keywords and answer), and a fuzzy comparison with its closest question.
WEIGHT_WORDS = 0.55
WEIGHT_CHARS = 0.35
WEIGHT_FUZZY = 0.10
WEIGHT_BEST_QUESTION = 0.5  # against 1 - this for the whole card
ANSWER_TERM_WEIGHT = 0.5  # the answer's words count half as much as a question's toward the whole card
PAIR_WEIGHT = 0.5  # two words side by side, on top of each word alone
FUNCTION_WORD_WEIGHT = 0.5  # "why" and "who" ask different things, but weigh less than any content word
UNKNOWN_WEIGHT = 1.5  # a word no card knows weighs as the rarest known word, times this
# The optional trained part: a linear model over every word (stemmed), word pairs and character 2–5-grams, learned
# from the phrases. Its scores become shares of 1 across the cards (a softmax this sharp), blended in with the
# weight the engine is given. It pays where cards have many alternates; on a few cards it is overconfident.
LINEAR_SHARPNESS = 10.0
# Training takes about a millisecond a phrase: past this many, a build would take minutes, so the part is left out.
MAX_TRAINED_PHRASES = 20_000


class Outcome(StrEnum):
    ANSWERED = "answered"
    LOW_SCORE = "low_score"  # nothing close enough
    AMBIGUOUS = "ambiguous"  # two cards too close to call
    EMPTY = "empty"  # no words that could match anything


@dataclass(frozen=True)
class Suggestion:
    card: Card
    score: float


@dataclass(frozen=True)
class Match:
    question: str
    outcome: Outcome
    score: float
    card: Card | None
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def answered(self) -> bool:
        return self.outcome is Outcome.ANSWERED


BUILD_MODULES = ("matcher", "english", "index", "linear", "text", "vocabulary")
# What `Engine._build` makes from the cards, and what a cached build restores.
_BUILT = (
    "vocabulary",
    "_exact",
    "_phrase_start",
    "_phrase_text",
    "_phrase_words",
    "_phrase_chars",
    "_card_words",
    "_card_chars",
    "_titles",
    "_linear",
    "trained_weight",
)


@cache
def _built_by() -> str:
    """The code and libraries a build depends on: a change to any of them makes a cached build stale."""
    libraries = ",".join(version(name) for name in ("numpy", "rapidfuzz", "snowballstemmer", "pyspellchecker"))
    return source_digest(*(sys.modules[f"bot.engine.{name}"] for name in BUILD_MODULES)) + libraries


# A content word's analysis: the known word it stands for, its stem, its weight and its distinct n-grams.
_Part = tuple[str, str, float, tuple[str, ...]]
_UNSEEN = object()


@dataclass(frozen=True)
class _Features:
    words: dict[str, float]  # stems, question words and stem pairs → term weight
    chars: dict[str, float]  # character n-grams of the content words → term weight
    text: str  # content stems, for the fuzzy comparison
    parts: list[_Part]  # the content words' analyses in order, from which a build numbers the n-grams itself


def _counts(items: Iterable[str]) -> dict[str, int]:
    """Occurrences in order of first appearance, as a Counter has them: a few times faster on a phrase's words."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def _whole_card_words(phrases: list[_Features], answer: _Features) -> dict[str, float]:
    """The card's words as one document: all its questions and keywords, and its answer's at a lower weight."""
    words: dict[str, float] = {}
    get = words.get
    for phrase in phrases:
        for feature, weight in phrase.words.items():
            words[feature] = get(feature, 0.0) + weight
    for feature, weight in answer.words.items():
        words[feature] = get(feature, 0.0) + weight * ANSWER_TERM_WEIGHT
    return words


def _summed(rows: np.ndarray, features: np.ndarray, weights: np.ndarray, n_features: int) -> tuple[np.ndarray, ...]:
    """Each (row, feature) once, in order of first appearance, its weights added in order: as a dict per row does.

    Rows must ascend. bincount adds in entry order from 0.0, so the sums match the dict's to the last bit. A stable
    argsort of the nearly sorted keys is several times faster than np.unique, which sorts again for its inverse.
    """
    key = rows.astype(np.int64) * max(n_features, 1) + features
    at = np.argsort(key, kind="stable")
    sorted_key = key[at]
    del key
    new = np.ones(len(at), dtype=bool)
    new[1:] = sorted_key[1:] != sorted_key[:-1]
    del sorted_key
    inverse = np.empty(len(at), dtype=np.int64)
    inverse[at] = np.cumsum(new) - 1
    sums = np.bincount(inverse, weights=weights, minlength=int(new.sum()))
    first = np.zeros(len(at), dtype=bool)
    first[at[new]] = True
    return rows[first], features[first], sums[inverse[first]]


def _sublinear(counts: Counter[str], factor: float = 1.0) -> dict[str, float]:
    return {feature: (1.0 + math.log(count)) * factor for feature, count in counts.items()}


class Engine:
    """Built once from a knowledge base; answering is pure CPU work with no I/O, safe to share between tasks."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        threshold: float = 38.0,
        margin: float = 2.0,
        trained_weight: float = 0.0,
        cache_dir: Path | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.threshold = threshold
        self.margin = margin
        self.cards: list[Card] = list(knowledge.cards.values())
        self._card_index = {card.id: index for index, card in enumerate(self.cards)}
        # Everything below depends only on the cards and these settings: kept on disk, a restart skips the build.
        key = (_built_by(), repr((trained_weight, MAX_TRAINED_PHRASES)), repr(self.cards))
        vars(self).update(cached(cache_dir, "engine", key, lambda: self._build(trained_weight)))

    def _build(self, trained_weight: float) -> dict[str, object]:
        """The vocabulary, indexes and trained part, handed over (not kept) so the cache can store them."""
        synonyms = {clean(k): clean(v) for card in self.cards for k, v in card.synonyms.items()}
        # Each text cleaned once: the vocabulary, the features and the exact matches all start from it.
        cleaned = [[clean(text) for text in (*card.questions, *card.keywords, card.answer)] for card in self.cards]
        self.vocabulary = Vocabulary.build(([w for text in texts for w in text.split()] for texts in cleaned), synonyms)
        # Every known word analysed in one go before the build makes its garbage: its cached analyses then lie
        # together in memory, rather than scattered among freed objects that could not be given back (analysed
        # as the texts come, the build's own cache of them pinned 250 MB that way).
        analyses: dict[str, tuple[_Part, ...] | None] = {}  # each distinct word of the cards analysed once
        for word in self.vocabulary.counts:
            self.vocabulary.correct(word)
            char_ngrams(word)
            stem(word)
            analyses[word] = self._analyse(word)

        self._exact: dict[str, int] = {}
        groups: list[int] = []  # the card of each phrase (every question and keyword), card by card
        phrases: list[_Features] = []
        # The phrases' character n-grams as numbers: each distinct content word (a part) numbers its n-grams once.
        gram_number: dict[str, int] = {}
        part_number: dict[str, int] = {}
        part_grams: list[list[int]] = []
        part_weights: list[float] = []
        phrase_parts: list[int] = []
        for index, texts in enumerate(cleaned):
            for text in texts[:-1]:
                groups.append(index)
                phrase = self._features_of(text, analyses, chars=False)
                phrases.append(phrase)
                self._exact.setdefault(text, index)
                for word, _, weight, grams in phrase.parts:
                    number = part_number.get(word)
                    if number is None:
                        number = part_number[word] = len(part_grams)
                        part_grams.append([gram_number.setdefault(gram, len(gram_number)) for gram in grams])
                        part_weights.append(weight)
                    phrase_parts.append(number)
        # Card i owns phrases _phrase_start[i] up to _phrase_start[i + 1].
        self._phrase_start = np.searchsorted(np.array(groups), np.arange(len(self.cards) + 1))
        whole_words = [
            _whole_card_words(phrases[self._phrase_slice(index)], self._features_of(texts[-1], analyses, chars=False))
            for index, texts in enumerate(cleaned)
        ]
        del cleaned, analyses
        self._phrase_text = [phrase.text for phrase in phrases]
        self._phrase_words = SparseIndex([p.words for p in phrases], groups, UNKNOWN_WEIGHT)
        card_ids = list(range(len(self.cards)))
        self._card_words = SparseIndex(whole_words, card_ids, UNKNOWN_WEIGHT)
        phrase_of_part = np.repeat(np.arange(len(phrases)), [len(phrase.parts) for phrase in phrases])
        del phrases, whole_words
        self._phrase_chars, self._card_chars = self._char_indexes(
            phrase_of_part, np.array(phrase_parts, dtype=np.int64), part_grams, part_weights, list(gram_number), groups
        )
        self._titles = sorted((clean(card.title), index) for index, card in enumerate(self.cards))
        self._linear: LinearModel | None = None
        self.trained_weight = 0.0
        if trained_weight > 0 and len(self.cards) > 1 and len(groups) <= MAX_TRAINED_PHRASES:
            self.trained_weight = trained_weight
            rows = [self._linear_features(p) for card in self.cards for p in (*card.questions, *card.keywords)]
            self._linear = LinearModel.train(rows, groups, len(self.cards))
        return {name: vars(self).pop(name) for name in _BUILT}

    def _char_indexes(
        self,
        phrase_of_part: np.ndarray,
        parts: np.ndarray,
        part_grams: list[list[int]],
        part_weights: list[float],
        gram_names: list[str],
        groups: list[int],
    ) -> tuple[SparseIndex, SparseIndex]:
        """The phrases' and whole cards' n-gram indexes from numbered parts, summed with numpy rather than dicts."""
        counts = np.array([len(grams) for grams in part_grams], dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
        all_grams = np.fromiter(chain.from_iterable(part_grams), dtype=np.int64, count=int(counts.sum()))
        # Every n-gram of every part of every phrase, in the order the phrase's words come.
        lengths = counts[parts]
        ends = np.cumsum(lengths)
        at = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts[parts] - ends + lengths, lengths)
        weights = np.array(part_weights, dtype=np.float64)[parts]
        rows, grams, weights = _summed(
            np.repeat(phrase_of_part, lengths), all_grams[at], np.repeat(weights, lengths), len(gram_names)
        )
        phrase_chars = SparseIndex.from_entries(rows, grams, weights, gram_names, groups, UNKNOWN_WEIGHT)
        cards, grams, weights = _summed(np.asarray(groups, dtype=np.int64)[rows], grams, weights, len(gram_names))
        card_chars = SparseIndex.from_entries(cards, grams, weights, gram_names, range(len(self.cards)), UNKNOWN_WEIGHT)
        return phrase_chars, card_chars

    def _phrase_slice(self, card_index: int) -> slice:
        return slice(int(self._phrase_start[card_index]), int(self._phrase_start[card_index + 1]))

    def _features(self, text: str) -> _Features:
        return self._features_of(clean(text), {})

    def _analyse(self, word: str) -> tuple[_Part, ...] | None:
        """A content word's known parts, each with its stem, weight and distinct n-grams; None for a function word."""
        if not is_content(word):
            return None
        vocabulary = self.vocabulary
        parts = [part for part in vocabulary.correct(word)[0] if is_content(part)]
        # A word no card uses lowers the match, less so when it is an everyday word than a rare one or a name.
        return tuple(
            (
                part,
                stem(part),
                1.0 if part in vocabulary else unknown_weight(part),
                tuple(dict.fromkeys(char_ngrams(part))),
            )
            for part in parts
        )

    def _features_of(
        self, cleaned: str, analyses: dict[str, tuple[_Part, ...] | None], chars: bool = True
    ) -> _Features:
        """Content-word stems and character n-grams; function words and word pairs count a little on top.

        `analyses` keeps each word's analysis for the next text: a build meets the same words again and again.
        """
        content: list[_Part] = []
        function: list[str] = []
        sequence: list[str] = []  # every known word in order, content words stemmed: the source of the pairs
        vocabulary = self.vocabulary
        for word in vocabulary.expand_synonyms(cleaned).split():
            parts = analyses.get(word, _UNSEEN)
            if parts is _UNSEEN:
                parts = analyses[word] = self._analyse(word)
            if parts is not None:
                content.extend(parts)
                sequence.extend(part[1] for part in parts)
            elif word in vocabulary:  # "how" vs "why" tells questions apart; a filler no card uses says nothing
                function.append(word)
                sequence.append(word)
        stems = [part[1] for part in content]
        # A stem weighs as the last distinct word (in order of first use) that has it.
        stem_weight: dict[str, float] = {}
        seen: set[str] = set()
        for word, word_stem, weight, _ in content:
            if word not in seen:
                seen.add(word)
                stem_weight[word_stem] = weight
        words = {feature: (1.0 + math.log(count)) * stem_weight[feature] for feature, count in _counts(stems).items()}
        for feature, count in _counts(function).items():
            words[f"?{feature}"] = (1.0 + math.log(count)) * FUNCTION_WORD_WEIGHT
        for feature, count in _counts(map(" ".join, pairwise(sequence))).items():
            words[feature] = (1.0 + math.log(count)) * PAIR_WEIGHT
        grams: dict[str, float] = {}
        if chars:  # the answer's words count toward its card, its n-grams do not
            get = grams.get
            for _, _, weight, word_grams in content:
                for gram in word_grams:
                    grams[gram] = get(gram, 0.0) + weight
        return _Features(words, grams, " ".join(stems), content)

    def _linear_features(self, text: str) -> tuple[dict[str, float], dict[str, float]]:
        """Every word counts here, stemmed, with its neighbour pairs and character n-grams: the model weighs them."""
        cleaned = self.vocabulary.expand_synonyms(clean(text)).split()
        stems = [stem(word) for word in cleaned]
        words = _sublinear(Counter(stems) + Counter(f"{a} {b}" for a, b in pairwise(stems)))
        chars = _sublinear(Counter(gram for word in cleaned for gram in char_ngrams(word, 2, 5)))
        return words, chars

    def _trained(self, model: LinearModel, question: str) -> np.ndarray:
        """The linear model's share of each card, 0–1, summing to 1."""
        scores = LINEAR_SHARPNESS * model.scores(self._linear_features(question))
        shares = np.exp(scores - scores.max())
        return shares / shares.sum()

    def rank(self, question: str, limit: int = RERANK) -> list[Suggestion]:
        """The closest cards, best first, with their 0–100 scores; no decision taken."""
        query = self._features(question[:MAX_QUERY_CHARS])
        if not query.words:
            return []
        phrase_words = self._phrase_words.scores(query.words)
        phrase_chars = self._phrase_chars.scores(query.chars)
        starts = self._phrase_start[:-1]
        best_words = np.maximum.reduceat(phrase_words, starts)
        best_chars = np.maximum.reduceat(phrase_chars, starts)
        whole = WEIGHT_BEST_QUESTION
        words = whole * best_words + (1 - whole) * self._card_words.scores(query.words)
        chars = whole * best_chars + (1 - whole) * self._card_chars.scores(query.chars)
        lexical = WEIGHT_WORDS * words + WEIGHT_CHARS * chars
        trained = self.trained_weight
        blended = lexical
        if self._linear is not None:
            blended = (1 - trained) * lexical + trained * self._trained(self._linear, question[:MAX_QUERY_CHARS])
        candidates = top(blended, max(limit, RERANK))
        scored = []
        for card_index in candidates:
            if lexical[card_index] <= 0:
                break
            phrases = self._phrase_text[self._phrase_slice(card_index)]
            fuzzy = max(fuzz.token_sort_ratio(query.text, phrase) for phrase in phrases) / 100
            score = 100 * (blended[card_index] + (1 - trained) * WEIGHT_FUZZY * fuzzy)
            scored.append(Suggestion(self.cards[card_index], round(min(float(score), 100.0), 1)))
        scored.sort(key=lambda suggestion: -suggestion.score)
        return scored[:limit]

    def answer(self, question: str) -> Match:
        exact = self._exact.get(clean(question[:MAX_QUERY_CHARS]))
        if exact is not None:
            return Match(question, Outcome.ANSWERED, 100.0, self.cards[exact])
        ranked = self.rank(question)
        if not ranked:
            return Match(question, Outcome.EMPTY, 0.0, None)
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        suggestions = tuple(s for s in ranked[:MAX_SUGGESTIONS] if s.score >= SUGGESTION_FLOOR)
        if best.score < self.threshold:
            return Match(question, Outcome.LOW_SCORE, best.score, None, suggestions)
        if best.score - runner_up < self.margin:
            return Match(question, Outcome.AMBIGUOUS, best.score, None, suggestions)
        return Match(question, Outcome.ANSWERED, best.score, best.card)

    def autocomplete(self, prefix: str, limit: int = 25) -> list[Card]:
        """Cards for a half-typed question: titles starting with it first, then the closest matches."""
        typed = clean(prefix)
        if not typed:
            return self.cards[:limit]
        chosen: dict[int, None] = {}
        start = bisect.bisect_left(self._titles, (typed, -1))
        for title, index in self._titles[start:]:
            if not title.startswith(typed) or len(chosen) >= limit:
                break
            chosen[index] = None
        if len(chosen) < limit:
            for suggestion in self.rank(prefix, limit):
                chosen.setdefault(self._card_index[suggestion.card.id], None)
        return [self.cards[index] for index in list(chosen)[:limit]]
