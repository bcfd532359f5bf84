"""Match a question to a card, or decline: the one decision every adapter and the eval share."""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cache
from importlib.metadata import version
from itertools import compress, pairwise
from pathlib import Path

import numpy as np
from pydantic import BaseModel
from rapidfuzz import fuzz, process

from bot.cards.model import Card, KnowledgeBase
from bot.engine.asks import answered_kinds, asks
from bot.engine.broad import widen
from bot.engine.cache import cached, package_digest, pickled
from bot.engine.calibration import Calibration, Ranks, calibrate
from bot.engine.entries import Postings, Ragged
from bot.engine.features import Analyses, Part, Words, analyse, features, question_features
from bot.engine.index import SparseIndex, top
from bot.engine.linear import MAX_WEIGHTS, LinearModel
from bot.engine.text import (
    NOISE_WORDS,
    SMALL_TALK,
    char_ngrams,
    clean,
    clean_many,
    is_content,
    is_question,
    is_small_talk,
    question_text,
    stem,
)
from bot.engine.vocabulary import Vocabulary

MAX_SUGGESTIONS = 3
SUGGESTION_FLOOR = 15.0  # below this a card is no useful "did you mean" (chosen on the dev set), unless it relates
CLOSE_SPELLING = 0.25  # a card whose character n-grams are this close to the question's relates to it
RERANK = 10  # candidates re-scored with rapidfuzz
MAX_QUERY_CHARS = 1000  # longer text is read only this far: no question needs more, and the cost stays bounded
LONG_MESSAGE_WORDS = 12  # a message this long, not answered whole, is tried clause by clause
MIN_CLAUSE_WORDS = 3
MAX_CLAUSES = 6  # the last ones (a question comes after its context): each costs a question's time
FOCUS_AMONG = 3  # a long message's question, matched with its context, picks one of the message's closest cards
SMALL_TALK_CHARS = 40  # a question longer than this is no small talk ("thanks bot", "good morning everyone")
CLAUSE_BREAK = re.compile(r"(?:[.?!;,]+\s+|\s+)(?:but|like|so)\s+|[.?!;,]+\s+|\s*\n\s*", re.IGNORECASE)
# How the parts of the score add up (each part is 0–1): the best matching question of a card, the card as a
# whole (all its questions, keywords and answer), and a fuzzy comparison with its closest question.
WEIGHT_WORDS = 0.55
WEIGHT_CHARS = 0.35
WEIGHT_FUZZY = 0.10
WEIGHT_BEST_QUESTION = 0.7  # against 1 - this for the whole card
ANSWER_TERM_WEIGHT = 0.5  # the answer's words count half as much as a question's toward the whole card
UNKNOWN_WEIGHT = 1.5
# Each sentence of a card's answer is also one of its phrases, its score counted at this share: a card written with
# three phrasings still matches a question in its answer's words ("how many warnings before a mute").
ANSWER_SENTENCE_FACTOR = 0.85
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")
MIN_SENTENCE_WORDS = 3  # a word no card knows weighs as the rarest known word, times this
# The optional trained part: a softmax regression over every word (stemmed), word pairs and character 2–5-grams,
# learned from the phrases. Its scores become shares of 1 across the cards (a softmax this sharp), blended in with
# the weight the engine is given. It pays where cards have many alternates; on a few a card it is unsure.
LINEAR_SHARPNESS = 2.0
TRAINED_WEIGHT = 0.85  # its share when on by default
TRAINED_MIN_PHRASINGS = 20  # questions a card, on average, for it to be on by default
# Training time grows with the phrases: past this many, a build would take minutes, so the part is left out.
MAX_TRAINED_PHRASES = 20_000
# A card that does not answer what the question asks scores this share of what it would (half: it is rarely answered
# then, but still offered among the suggestions): one whose own questions never ask for the person, time, place,
# amount or steps the question asks for ("when was the Open Compute Project founded"), or whose words cover less
# than MIN_COVERAGE of the question's content words, by weight ("who is the CEO of the Linux Foundation": the card
# has "linux foundation", not "ceo").
UNANSWERED_FACTOR = 0.5
# The kinds of fact whose absence makes an answer partial: a card that scores well though its questions never ask
# "how to" or "where" still answers; one that gives no date when asked "when" says so.
FACT_KINDS = frozenset({"person", "time", "amount"})
MIN_COVERAGE = 0.4


class Outcome(StrEnum):
    ANSWERED = "answered"
    PARTIAL = "partial"  # the card is on the question's subject, but does not hold the detail asked for
    LOW_SCORE = "low_score"  # nothing close enough
    AMBIGUOUS = "ambiguous"  # two cards too close to call
    BROAD = "broad"  # several cards each answer a part of a broad question, and no overview covers them: a list
    EMPTY = "empty"  # no words that could match anything


@dataclass(frozen=True)
class Suggestion:
    card: Card
    score: float
    related: bool = True  # shares a content word or a close spelling with the question: worth offering
    halved: bool = False  # the card does not hold what is asked: its score was halved

    @property
    def full_score(self) -> float:
        """The score before it was halved for what the card lacks."""
        return self.score / UNANSWERED_FACTOR if self.halved else self.score


@dataclass(frozen=True)
class Lacking:
    """What a card lacks of a question on its subject: the kinds of fact asked (a person, a time...), or the
    question's words it does not have, beside the ones it has."""

    kinds: tuple[str, ...]
    words: tuple[str, ...]
    subject: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    question: str
    outcome: Outcome
    score: float
    card: Card | None
    suggestions: tuple[Suggestion, ...] = ()
    lacking: Lacking | None = None  # for a partial answer: what the card does not hold
    decided_on: str | None = None  # for a long message: the part of it the decision was made on
    broad: str | None = None  # for a broad question given an overview or a list: the words that made it broad

    @property
    def answered(self) -> bool:
        return self.outcome in (Outcome.ANSWERED, Outcome.PARTIAL)


def clauses(question: str) -> list[str]:
    """The last few distinct clauses of a long message (split at line breaks, sentence punctuation and "but",
    "like", "so"), each of a few words; none for a message short enough to be one question."""
    if len(question.split()) < LONG_MESSAGE_WORDS:
        return []
    kept = dict.fromkeys(part.strip() for part in CLAUSE_BREAK.split(question) if len(part.split()) >= MIN_CLAUSE_WORDS)
    return list(kept)[-MAX_CLAUSES:]


# The margin where a knowledge base has too few phrasings to calibrate on, and the threshold where it has no card
# (see `calibration.py`).
FALLBACK_THRESHOLD = 36.0
FALLBACK_MARGIN = 0.5
# What `Engine._build` makes from the cards, and what a cached build restores.
_BUILT = (
    "vocabulary",
    "_exact",
    "_phrase_start",
    "_phrase_text",
    "_phrase_factor",
    "_phrase_words",
    "_phrase_chars",
    "_card_words",
    "_card_chars",
    "_titles",
    "_small_talk",
    "_card_talk",
    "_taught",
    "_linear",
    "trained_weight",
    "calibration",
)


@cache
def _built_by() -> str:
    """The code, data and libraries a build depends on: a change to any of them makes a cached build stale. Every
    file of the engine package counts, found rather than listed: a module added to it cannot be forgotten."""
    libraries = ",".join(map(version, ("numpy", "rapidfuzz", "snowballstemmer", "pystemmer", "pyspellchecker")))
    return package_digest(Path(__file__).parent) + libraries


# A card's fields as the cache key reads them, found rather than listed: a field added to cards cannot be forgotten.
# Not a card's path: the build never reads it (the engine's cards, paths included, are the loaded ones, not the
# cache's), so a knowledge folder moved or mounted elsewhere reads its cache.
KEYED_FIELDS = tuple(f.name for f in fields(Card) if f.name != "path")


def _keyed(value: object) -> object:
    """A field as plain data: a mapping as its items, the source (a pydantic model) as its fields' items."""
    if isinstance(value, Mapping):
        return tuple(value.items())
    if isinstance(value, BaseModel):
        return tuple(vars(value).items())
    return value


def cards_key(cards: list[Card]) -> bytes:
    """Every field of every card the build reads, in the cards' order (a change to any is another build), at a seventh
    of the cost of the cards' repr, which spends most of its time in pydantic's repr of each card's source."""
    return pickled([tuple(_keyed(getattr(card, name)) for name in KEYED_FIELDS) for card in cards])


def answer_sentences(answer: str) -> tuple[str, ...]:
    """The sentences of an answer that can stand as a phrasing: members ask in the words the answer uses."""
    return tuple(sentence for sentence in SENTENCE_BREAK.split(answer) if len(sentence.split()) >= MIN_SENTENCE_WORDS)


def auto_trained_weight(cards: list[Card]) -> float:
    """The trained part learns what sets a card's phrasings apart from the others'; with a few phrasings a card it
    only spreads its shares (see ARCHITECTURE.md), so it is on only where cards have many."""
    phrasings = sum(len(card.questions) for card in cards)
    return TRAINED_WEIGHT if cards and phrasings >= TRAINED_MIN_PHRASINGS * len(cards) else 0.0


def _sublinear(counts: Counter[str], factor: float = 1.0) -> dict[str, float]:
    return {feature: (1.0 + math.log(count)) * factor for feature, count in counts.items()}


class Engine:
    """Built once from a knowledge base; answering is pure CPU work with no I/O, safe to share between tasks."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        threshold: float | None = None,
        margin: float | None = None,
        trained_weight: float | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        """`threshold` and `margin` left None are chosen from the cards at build time (`calibration.py`); the trained
        part, left None, is on where the cards have many phrasings each."""
        self.knowledge = knowledge
        self.cards: list[Card] = list(knowledge.cards.values())
        self._card_index = {card.id: index for index, card in enumerate(self.cards)}
        # What each card's own questions ask for, found the first time the card is a candidate: a question needs
        # it of ten cards at most, and a build of every card's would cost more than answering.
        self._kinds: dict[int, frozenset[str]] = {}
        if trained_weight is None:
            trained_weight = auto_trained_weight(self.cards)
        # Everything below depends only on the cards and these settings: kept on disk, a restart skips the build.
        auto = threshold is None or margin is None
        key = (_built_by(), repr((trained_weight, MAX_TRAINED_PHRASES, auto)), cards_key(self.cards))
        # The trained part's weights grow with the cards times their features, not with the cards' text alone.
        extra = MAX_WEIGHTS * np.dtype(np.float32).itemsize if trained_weight > 0 else 0
        vars(self).update(cached(cache_dir, "engine", key, lambda: self._build(trained_weight, auto), extra))
        chosen = self.calibration
        self.threshold = threshold if threshold is not None else chosen.threshold if chosen else FALLBACK_THRESHOLD
        self.margin = margin if margin is not None else chosen.margin if chosen else FALLBACK_MARGIN

    def decision(self) -> str:
        """The threshold and margin in force and where they come from, for `check`, `eval` and `explain`."""
        trained = f"; trained part {self.trained_weight:g}" if self.trained_weight else ""
        chosen = self.calibration
        if chosen is None or (self.threshold, self.margin) != (chosen.threshold, chosen.margin):
            return f"answering at threshold {self.threshold:g} and margin {self.margin:g} (set){trained}"
        return f"answering at {chosen.describe()}{trained}"

    def _calibrate(self) -> Calibration:
        """Engines built on the cards less some phrasings, asked those phrasings and generic off-topic messages: each
        with the trained part this engine has (off where the whole base has too many phrases for it)."""

        def ranker(cards: list[Card]) -> Ranks:
            knowledge = KnowledgeBase(self.knowledge.sources, {card.id: card for card in cards})
            engine = Engine(knowledge, FALLBACK_THRESHOLD, FALLBACK_MARGIN, self.trained_weight)

            def rank(question: str) -> tuple[str | None, float, float]:
                ranked = engine.rank(question, limit=2)
                if not ranked:
                    return None, 0.0, 0.0
                runner_up = ranked[1].score if len(ranked) > 1 else 0.0
                return ranked[0].card.id, ranked[0].score, ranked[0].score - runner_up

            return rank

        return calibrate(self.cards, ranker, (FALLBACK_THRESHOLD, FALLBACK_MARGIN))

    def _build(self, trained_weight: float, auto: bool) -> dict[str, object]:
        """The vocabulary, indexes and trained part, handed over (not kept) so the cache can store them."""
        synonyms = {clean(k): clean(v) for card in self.cards for k, v in card.synonyms.items()}
        # Each text cleaned once and split once: the vocabulary, the features and the exact matches start from it.
        sentences = [answer_sentences(card.answer) for card in self.cards]
        texts = [
            (*card.asked, *card.keywords, *said, card.answer) for card, said in zip(self.cards, sentences, strict=True)
        ]
        n_texts = np.array([len(card_texts) for card_texts in texts], dtype=np.int64)
        all_cleaned = clean_many([text for card_texts in texts for text in card_texts])
        words = Words.of(all_cleaned)
        cleaned = [all_cleaned[start:end] for start, end in pairwise([0, *np.cumsum(n_texts).tolist()])]
        del texts, all_cleaned
        card_of_text = np.repeat(np.arange(len(self.cards)), n_texts)
        learned_text = np.array(
            [
                flag
                for card, said in zip(self.cards, sentences, strict=True)
                for flag in [False] * len(card.questions)
                + [True] * len(card.learned)
                + [False] * (len(card.keywords) + len(said) + 1)
            ],
            dtype=bool,
        )
        token_rows = words.rows()
        self.vocabulary = Vocabulary.counted(
            words.names, words.tokens, card_of_text[token_rows], synonyms, learned_text[token_rows]
        )
        # Every known word analysed in one go before the build makes its garbage: the analyses then lie together
        # in memory, rather than scattered among freed objects that could not be given back (analysed as the texts
        # come, the build's own record of them pinned memory that way: bench/README.md).
        analyses: Analyses = {word: analyse(self.vocabulary, word) for word in self.vocabulary.counts}

        # A card's title is its first question, already cleaned.
        self._titles = sorted((texts[0], index) for index, texts in enumerate(cleaned))
        self._exact: dict[str, int] = {}
        groups: list[int] = []  # the card of each phrase (every question and keyword), card by card
        factors: list[float] = []  # what each phrase's score counts for: an answer's sentence counts less
        for index, (card, card_texts) in enumerate(zip(self.cards, cleaned, strict=True)):
            n_asked = len(card.asked) + len(card.keywords)
            for text in card_texts[:n_asked]:
                groups.append(index)
                self._exact.setdefault(text, index)
            groups.extend([index] * (len(card_texts) - 1 - n_asked))
            factors.extend([1.0] * n_asked + [ANSWER_SENTENCE_FACTOR] * (len(card_texts) - 1 - n_asked))
        self._phrase_factor = np.array(factors, dtype=np.float64)
        # Small talk ("thanks bot!") is left unmatched, but for the words of a card that is there for it: one of its
        # own questions is small talk, as an intent set's greeting ("good morning") or a server's "Welcome!" is. Only
        # short ones can be: the check stays cheap.
        # Chat noise is small talk too, but for the words some card uses (a server's "noob" channel).
        noise = NOISE_WORDS.difference(self.vocabulary.counts)
        self._card_talk = frozenset(
            word
            for card, texts in zip(self.cards, cleaned, strict=True)
            for text in texts[: len(card.questions)]
            if len(text) <= SMALL_TALK_CHARS and is_small_talk(text)
            for word in text.split()
        )
        self._small_talk = (SMALL_TALK | noise) - self._card_talk
        # Card i owns phrases _phrase_start[i] up to _phrase_start[i + 1].
        self._phrase_start = np.searchsorted(np.array(groups), np.arange(len(self.cards) + 1))
        # Card by card, its phrases and then its answer: each card's texts together, in the order its whole
        # document adds them. The answer's words count toward its card, its n-grams do not.
        is_answer = np.zeros(len(card_of_text), dtype=bool)
        is_answer[np.cumsum(n_texts) - 1] = True
        # An answer's sentences are phrases to match, not more of the card: its answer counts toward it once. Nor are
        # learned phrasings: what the card holds is what its author wrote.
        not_the_cards = np.array(
            [
                flag
                for card, said in zip(self.cards, sentences, strict=True)
                for flag in [False] * len(card.questions)
                + [True] * len(card.learned)
                + [False] * len(card.keywords)
                + [True] * len(said)
                + [False]
            ],
            dtype=bool,
        )
        phrase_of_text = np.cumsum(~is_answer) - 1
        batch = features(self.vocabulary, words, analyses)
        del cleaned, words, analyses
        self._phrase_text = list(compress(batch.texts, ~is_answer))
        word_in_phrase = ~is_answer[batch.rows]
        self._phrase_words = SparseIndex.from_entries(
            phrase_of_text[batch.rows[word_in_phrase]],
            batch.features[word_in_phrase],
            batch.weights[word_in_phrase],
            batch.names,
            groups,
            UNKNOWN_WEIGHT,
        )
        # The card's words as one document: all its questions and keywords, then its answer's at a lower weight.
        in_card = ~not_the_cards[batch.rows]
        card_words = Postings.summed(
            card_of_text[batch.rows[in_card]],
            batch.features[in_card],
            np.where(word_in_phrase, batch.weights, batch.weights * ANSWER_TERM_WEIGHT)[in_card],
        )
        card_ids = range(len(self.cards))
        self._card_words = SparseIndex.from_postings(card_words, batch.names, card_ids, UNKNOWN_WEIGHT)
        part_in_phrase = ~is_answer[batch.part_rows]
        phrase_parts = phrase_of_text[batch.part_rows[part_in_phrase]], batch.parts[part_in_phrase], batch.part_table
        # The features each card's learned phrasings use: the words members taught it.
        learned_rows = learned_text[batch.rows]
        taught: dict[int, set[str]] = {}
        learned_cards = card_of_text[batch.rows[learned_rows]].tolist()
        for card_index, feature in zip(learned_cards, batch.features[learned_rows].tolist(), strict=True):
            taught.setdefault(card_index, set()).add(batch.names[feature])
        self._taught = {card_index: frozenset(names) for card_index, names in taught.items()}
        # Freed before the n-grams, the build's largest step: its peak is what the kernel has to hand over.
        del batch, card_words
        self._phrase_chars, self._card_chars = self._char_indexes(*phrase_parts, groups)
        self._linear: LinearModel | None = None
        self.trained_weight = 0.0
        if trained_weight > 0 and len(self.cards) > 1 and len(groups) <= MAX_TRAINED_PHRASES:
            asked = [(index, p) for index, card in enumerate(self.cards) for p in (*card.asked, *card.keywords)]
            rows = [self._linear_features(phrase) for _, phrase in asked]
            if LinearModel.fits(rows, len(self.cards)):
                self.trained_weight = trained_weight
                self._linear = LinearModel.train(rows, [index for index, _ in asked], len(self.cards))
        self.calibration: Calibration | None = self._calibrate() if auto else None
        return {name: vars(self).pop(name) for name in _BUILT}

    def _char_indexes(
        self, phrase_of_part: np.ndarray, parts: np.ndarray, part_table: list[Part], groups: list[int]
    ) -> tuple[SparseIndex, SparseIndex]:
        """The phrases' and whole cards' n-gram indexes from numbered parts, summed with numpy rather than dicts."""
        # The table also holds the parts only answers have: their n-grams are numbered too, and left out of the
        # indexes, since no phrase has them.
        gram_number: dict[str, int] = {}
        part_grams = Ragged.of([[gram_number.setdefault(g, len(gram_number)) for g in p.grams] for p in part_table])
        # Every n-gram of every part of every phrase, in the order the phrase's words come.
        part_weights = np.array([part.weight for part in part_table], dtype=np.float64)
        phrases = Postings.of_lists(part_grams, parts, phrase_of_part, part_weights[parts])
        gram_names = list(gram_number)
        # A card's n-grams are its phrases' added up: the phrases' postings grouped by card, with no sort. Made first,
        # since the phrases' index counts its document frequencies (cards with an n-gram) from them.
        cards = phrases.grouped(np.asarray(groups, dtype=np.int64))
        phrase_chars = SparseIndex.from_postings(phrases, gram_names, groups, UNKNOWN_WEIGHT, by_group=cards)
        del phrases
        card_chars = SparseIndex.from_postings(cards, gram_names, range(len(self.cards)), UNKNOWN_WEIGHT)
        return phrase_chars, card_chars

    def _card_kinds(self, card_index: int) -> frozenset[str]:
        """The kinds of fact the card answers (a person, a time, a place, an amount, steps)."""
        kinds = self._kinds.get(card_index)
        if kinds is None:
            card = self.cards[card_index]
            kinds = self._kinds[card_index] = answered_kinds(map(clean, card.questions), clean(card.answer))
        return kinds

    def knows_stem(self, word_stem: str) -> bool:
        """Whether some card's phrase has this stem: a form no card uses ("helped") still matches by it ("help")."""
        return word_stem in self._phrase_words.features

    def question_text(self, question: str) -> str:
        """The question as matched; the chat noise a card's own small talk uses stays ("good morning")."""
        return question_text(question[:MAX_QUERY_CHARS], self._card_talk)

    def unanswered(self, card_index: int, kinds: frozenset[str], coverage: float) -> str | None:
        """Why the card does not answer what is asked, if it does not: its score is then halved."""
        missing = kinds - self._card_kinds(card_index)
        if missing:
            return f"the question asks for {' and '.join(sorted(missing))}, which the card does not give"
        if coverage < MIN_COVERAGE:
            return f"the card holds {coverage:.0%} of what the question names (by weight; it needs {MIN_COVERAGE:.0%})"
        return None

    def _lacking_of(self, suggestion: Suggestion, question: str) -> Lacking:
        cleaned = self.question_text(question)
        return self._lacking(self._card_index[suggestion.card.id], asks(cleaned), cleaned)

    def _lacking(self, card_index: int, kinds: frozenset[str], cleaned: str) -> Lacking:
        """The kinds of fact and the question's words the card does not hold, and the words it does."""
        has: list[str] = []
        lacks: list[str] = []
        for word in dict.fromkeys(self.vocabulary.expand_synonyms(cleaned).split()):
            parts = analyse(self.vocabulary, word)
            if parts:
                held = all(self._card_words.has(part.stem, card_index) for part in parts)
                (has if held else lacks).append(word)
        missing = tuple(sorted(kinds - self._card_kinds(card_index)))
        return Lacking(missing, () if missing else tuple(lacks), tuple(has))

    def _phrase_slice(self, card_index: int) -> slice:
        return slice(int(self._phrase_start[card_index]), int(self._phrase_start[card_index + 1]))

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
        shares: np.ndarray = np.exp(scores - scores.max())
        shares /= shares.sum()
        return shares

    def rank(self, question: str, limit: int = RERANK) -> list[Suggestion]:
        """The closest cards, best first, with their 0–100 scores; no decision taken."""
        cleaned = self.question_text(question)
        if is_small_talk(cleaned, self._small_talk):
            return []
        query = question_features(self.vocabulary, cleaned)
        if not query.words:
            return []
        phrase_words = self._phrase_words.scores(query.words)
        phrase_chars = self._phrase_chars.scores(query.chars)
        starts = self._phrase_start[:-1]
        best_words = np.maximum.reduceat(phrase_words * self._phrase_factor, starts)
        best_chars = np.maximum.reduceat(phrase_chars * self._phrase_factor, starts)
        whole = WEIGHT_BEST_QUESTION
        words = whole * best_words + (1 - whole) * self._card_words.scores(query.words)
        chars = whole * best_chars + (1 - whole) * self._card_chars.scores(query.chars)
        lexical = WEIGHT_WORDS * words + WEIGHT_CHARS * chars
        trained = self.trained_weight
        blended = lexical
        if self._linear is not None:
            blended = (1 - trained) * lexical + trained * self._trained(self._linear, question[:MAX_QUERY_CHARS])
        candidates = top(blended, max(limit, RERANK))
        kinds = asks(cleaned)
        # The content words alone: function words and pairs say how a question is asked, not what it names.
        content = {stem: query.words[stem] for stem in query.text.split()}
        covered = self._card_words.covered(content, candidates, self._phrase_words, self._taught)
        scored = []
        for card_index, coverage in zip(candidates, covered, strict=True):
            if lexical[card_index] <= 0:
                break
            phrases = self._phrase_text[self._phrase_slice(card_index)]
            # One call over the card's phrases rather than one a phrase: the same score, a fraction of the time.
            _, closest, _ = process.extractOne(query.text, phrases, scorer=fuzz.token_sort_ratio)
            fuzzy = closest / 100
            score = 100 * (blended[card_index] + (1 - trained) * WEIGHT_FUZZY * fuzzy)
            halved = self.unanswered(card_index, kinds, coverage) is not None
            if halved:
                score *= UNANSWERED_FACTOR
            related = (coverage > 0 and bool(query.text)) or chars[card_index] >= CLOSE_SPELLING
            scored.append(Suggestion(self.cards[card_index], round(min(float(score), 100.0), 1), related, halved))
        scored.sort(key=lambda suggestion: -suggestion.score)
        return scored[:limit]

    def answer(self, question: str) -> Match:
        exact = self._exact.get(clean(question[:MAX_QUERY_CHARS]))
        if exact is not None:
            return Match(question, Outcome.ANSWERED, 100.0, self.cards[exact])
        ranked = self.rank(question)
        match = self._widened(self._decide(question, ranked), ranked)
        if match.outcome in (Outcome.ANSWERED, Outcome.BROAD) or not ranked:
            return match
        # A long message often wraps its question in context ("ok so im new here and ..., can someone explain what
        # meta's deal is"). Its clauses that ask something are then tried alone, scored (never taken word for word:
        # a card's phrase may be an everyday one), and one that answers with the message's own closest card
        # confirms it: a clause sharpens the message's best guess, it never strays from it.
        closest = ranked[0].card
        confirmed = [
            clause
            for clause in (
                self._decide(text, self.rank(text))
                for text in clauses(question[:MAX_QUERY_CHARS])
                if is_question(clean(text))
            )
            if clause.answered and clause.card is closest
        ]
        # Or the question leans on what came before it ("... huge number of Nvidia chips involved, does anyone remember
        # how many they're getting"): its asking clause with the words of the rest that some card uses, the chatter
        # around them (words no card knows) left out.
        # It may pick another card than the message's closest, but one of the few the message itself ranks first.
        focused = self._focused(question[:MAX_QUERY_CHARS])
        if focused is not None:
            narrowed = self._decide(focused, self.rank(focused))
            if any(narrowed.card is suggestion.card for suggestion in ranked[:FOCUS_AMONG]):
                confirmed.append(narrowed)
        # A full answer from any of them first; a partial one (which says what the card lacks) only when none is.
        for wanted in (Outcome.ANSWERED, Outcome.PARTIAL):
            found = [part for part in (match, *confirmed) if part.outcome is wanted]
            if found:
                best = max(found, key=lambda part: part.score)
                decided_on = None if best is match else best.question
                return Match(question, wanted, best.score, best.card, lacking=best.lacking, decided_on=decided_on)
        return match

    def _widened(self, match: Match, ranked: list[Suggestion]) -> Match:
        """A broad question gets the overview card of the parts several cards answer, or those cards as a list."""
        if match.outcome not in (Outcome.ANSWERED, Outcome.AMBIGUOUS, Outcome.LOW_SCORE) or not ranked:
            return match
        floor = self.threshold if match.outcome is Outcome.LOW_SCORE else 0.0
        tied = match.outcome is Outcome.AMBIGUOUS
        broad = widen(self.question_text(match.question), ranked, match.card, tied, floor)
        if broad is None:
            return match
        if broad.overview is not None:
            return Match(match.question, Outcome.ANSWERED, broad.overview.score, broad.overview.card, broad=broad.cue)
        return Match(match.question, Outcome.BROAD, match.score, None, broad.parts, broad=broad.cue)

    def _focused(self, question: str) -> str | None:
        """A long message's last asking clause, with the content words of the other clauses that some card uses."""
        parts = clauses(question)
        asking = [index for index, part in enumerate(parts) if is_question(clean(part))]
        if not asking:
            return None
        chosen = asking[-1]
        context = [
            word
            for index, part in enumerate(parts)
            if index != chosen
            for word in self.question_text(part).split()
            if is_content(word) and word in self.vocabulary.counts
        ]
        return " ".join([parts[chosen], *dict.fromkeys(context)])

    def _decide(self, question: str, ranked: list[Suggestion]) -> Match:
        """Answer with the best of `ranked` when it scores high enough and leads by enough; else decline."""
        if not ranked:
            return Match(question, Outcome.EMPTY, 0.0, None)
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        # No dead end: any card that shares a word or a close spelling with the question is offered, however low it
        # scores; an empty "did you mean" only where nothing relates.
        suggestions = tuple(s for s in ranked if s.related or s.score >= SUGGESTION_FLOOR)[:MAX_SUGGESTIONS]
        if best.score >= self.threshold and best.score - runner_up >= self.margin:
            # Scoring well despite lacking words, it is the answer; lacking the kind of fact asked, it says so.
            lacking = self._lacking_of(best, question) if best.halved else None
            if lacking and FACT_KINDS.intersection(lacking.kinds):
                return Match(question, Outcome.PARTIAL, best.score, best.card, lacking=lacking)
            return Match(question, Outcome.ANSWERED, best.score, best.card)
        # A card on the question's subject that lacks the detail asked ("what license is llama 2 under") would have
        # been answered but for that: it is given with a line that says what it does not hold.
        on_subject = sorted(ranked, key=lambda suggestion: -suggestion.full_score)
        top = on_subject[0]
        next_best = on_subject[1].full_score if len(on_subject) > 1 else 0.0
        # "The cards say nothing about X" must be true: not when another card has X (then the question mixes two).
        # And the card must be on the question's subject: worth offering as it scores, and holding at least as many
        # of the question's words as it lacks ("a good recipe for banana bread" is not about a card with "good").
        # What a card lacks is worked out for this one card only, when it may be given: it reads every word's postings.
        worth = top.halved and top.score >= SUGGESTION_FLOOR and top.full_score >= self.threshold
        lacking = self._lacking_of(top, question) if worth else None
        on_topic = (
            lacking is not None
            and len(lacking.words) <= len(lacking.subject)
            and not any(word in self.vocabulary for word in lacking.words)
        )
        if on_topic and top.full_score - next_best >= self.margin:
            return Match(question, Outcome.PARTIAL, top.score, top.card, lacking=lacking)
        if best.score < self.threshold:
            return Match(question, Outcome.LOW_SCORE, best.score, None, suggestions)
        return Match(question, Outcome.AMBIGUOUS, best.score, None, suggestions)

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
