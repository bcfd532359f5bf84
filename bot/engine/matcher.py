"""Match a question to a card, or decline: the one decision every adapter and the eval share."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from bot.cards.model import Card, KnowledgeBase, Source
from bot.engine.asks import answered_kinds, asks
from bot.engine.broad import widen
from bot.engine.built import Index, auto_trained_weight, build_index, linear_features
from bot.engine.cache import cached, flush
from bot.engine.calibration import Calibration, Ranks, calibrate
from bot.engine.features import analyse, question_features
from bot.engine.index import top
from bot.engine.index_key import index_key
from bot.engine.linear import WEIGHTS_MAX, LinearModel
from bot.engine.long_message import asking_clause, told_coverage
from bot.engine.offers import SUGGESTION_FLOOR, SUGGESTIONS_MAX, did_you_mean, offerable, runners_up
from bot.engine.taught import gate, learned_phrases
from bot.engine.text import clean, is_content, is_question, is_small_talk, question_text, stem
from bot.engine.vocabulary import Vocabulary, undoes
from bot.forked import Pending, beside

CLOSE_SPELLING = 0.25  # a card whose character n-grams are this close to the question's relates to it
RERANK = 10  # candidates re-scored with rapidfuzz
QUERY_MAX_CHARS = 1000  # longer text is read only this far: no question needs more, and the cost stays bounded
LONG_MESSAGE_WORDS = 12  # a message this long, not answered whole, is tried clause by clause
MIN_CLAUSE_WORDS = 3
CLAUSES_MAX = 6  # the last ones (a question comes after its context): each costs a question's time
FOCUS_AMONG = 3  # a long message's question, matched with its context, picks one of the message's closest cards
CLAUSE_BREAK = re.compile(r"(?:[.?!;,]+\s+|\s+)(?:but|like|so)\s+|[.?!;,]+\s+|\s*\n\s*", re.IGNORECASE)
# How the parts of the score add up (each part is 0–1): the best matching question of a card, the card as a
# whole (all its questions, keywords and answer), and a fuzzy comparison with its closest question.
WEIGHT_WORDS = 0.55
WEIGHT_CHARS = 0.35
WEIGHT_FUZZY = 0.10
WEIGHT_BEST_QUESTION = 0.7  # against 1 - this for the whole card
# The trained part's scores (`built.py`) become shares of 1 across the cards (a softmax this sharp), blended in with
# the weight the index was built with.
LINEAR_SHARPNESS = 2.0
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
    # Declined: the "did you mean" cards; a broad question's parts; answered: the runners-up nearly as close.
    suggestions: tuple[Suggestion, ...] = ()
    lacking: Lacking | None = None  # for a partial answer: what the card does not hold
    decided_on: str | None = None  # for a long message: the part of it the decision was made on
    asked: str | None = None  # for a long message decided whole with its story: the clause that asks
    broad: str | None = None  # for a broad question given an overview or a list: the words that made it broad
    more: bool = False  # a decline: more cards are worth offering than its "did you mean" shows (More…)

    @property
    def answered(self) -> bool:
        return self.outcome in (Outcome.ANSWERED, Outcome.PARTIAL)


def titled(card: Card, word: str) -> bool:
    """Whether the word (or a form of it) is in the card's title, its first question."""
    return stem(word) in {stem(title_word) for title_word in clean(card.questions[0]).split()}


def clauses(question: str) -> list[str]:
    """The last few distinct clauses of a long message (split at line breaks, sentence punctuation and "but",
    "like", "so"), each of a few words; none for a message short enough to be one question."""
    if len(question.split()) < LONG_MESSAGE_WORDS:
        return []
    kept = dict.fromkeys(part.strip() for part in CLAUSE_BREAK.split(question) if len(part.split()) >= MIN_CLAUSE_WORDS)
    return list(kept)[-CLAUSES_MAX:]


# The margin where a knowledge base has too few phrasings to calibrate on, and the threshold where it has no card
# (see `calibration.py`).
FALLBACK_THRESHOLD = 36.0
FALLBACK_MARGIN = 0.5


def calibrated(sources: Mapping[str, Source], cards: list[Card], trained_weight: float) -> Calibration:
    """The threshold and margin chosen on these cards: engines built on them less some phrasings, asked those
    phrasings and generic off-topic messages, each with a trained part of this weight (off where the whole base has
    too many phrases for it)."""

    def ranker(kept: list[Card]) -> Ranks:
        knowledge = KnowledgeBase(sources, {card.id: card for card in kept})
        engine = Engine(knowledge, FALLBACK_THRESHOLD, FALLBACK_MARGIN, trained_weight)

        def rank(question: str) -> tuple[str | None, float, float]:
            ranked = engine.rank(question, limit=2)
            if not ranked:
                return None, 0.0, 0.0
            runner_up = ranked[1].score if len(ranked) > 1 else 0.0
            return ranked[0].card.id, ranked[0].score, ranked[0].score - runner_up

        return rank

    return calibrate(cards, ranker, (FALLBACK_THRESHOLD, FALLBACK_MARGIN), trained_weight)


class Engine:
    """Queries the index built once from a knowledge base (`built.py`), read back from the index cache when it can
    be; answering is pure CPU work with no I/O, safe to share between tasks."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        threshold: float | None = None,
        margin: float | None = None,
        trained_weight: float | None = None,
        cache_dir: Path | None = None,
        calibration: Calibration | None = None,
    ) -> None:
        """`threshold` and `margin` left None are chosen from the cards' own phrasings at build time
        (`calibration.py`), or taken from `calibration` when given: one already chosen on the same cards' own
        phrasings, by an engine they were built into with other learned phrasings. The trained part, left None, is on
        where the cards have many phrasings each."""
        self._hold(knowledge)
        if trained_weight is None:
            trained_weight = auto_trained_weight(self.cards)
        auto = threshold is None or margin is None

        def calibrator(own: list[Card], weight: float) -> Pending[Calibration]:
            if calibration is not None:
                return Pending(lambda: calibration)
            flush()  # the index cache's own writers are the threads a start has: done, the process may fork
            return beside(calibrated, knowledge.sources, own, weight)

        # The index depends only on the cards and these settings: kept on disk, a restart skips the build.
        key = index_key(self.cards, trained_weight, auto)
        # The trained part's weights grow with the cards times their features, not with the cards' text alone.
        extra = WEIGHTS_MAX * np.dtype(np.float32).itemsize if trained_weight > 0 else 0
        build = partial(build_index, self.cards, trained_weight, calibrator if auto else None)
        self._serve(cached(cache_dir, "engine", key, build, extra), threshold, margin)

    @classmethod
    def on_index(
        cls, knowledge: KnowledgeBase, index: Index, threshold: float | None = None, margin: float | None = None
    ) -> Engine:
        """An engine on an index made from these cards elsewhere (`update.py`: a few cards laid over a build)."""
        engine = cls.__new__(cls)
        engine._hold(knowledge)
        engine._serve(index, threshold, margin)
        return engine

    def _hold(self, knowledge: KnowledgeBase) -> None:
        self.knowledge = knowledge
        self.cards: list[Card] = list(knowledge.cards.values())
        self._card_index = {card.id: index for index, card in enumerate(self.cards)}
        # What each card's own questions ask for, found the first time the card is a candidate: a question needs
        # it of ten cards at most, and a build of every card's would cost more than answering.
        self._kinds: dict[int, frozenset[str]] = {}

    def _serve(self, index: Index, threshold: float | None, margin: float | None) -> None:
        self.index = index
        chosen = index.calibration
        self.threshold = threshold if threshold is not None else chosen.threshold if chosen else FALLBACK_THRESHOLD
        self.margin = margin if margin is not None else chosen.margin if chosen else FALLBACK_MARGIN
        self._learned = learned_phrases(self.cards, self.index.phrase_start)

    @property
    def vocabulary(self) -> Vocabulary:
        return self.index.vocabulary

    @property
    def trained_weight(self) -> float:
        return self.index.trained_weight

    @property
    def calibration(self) -> Calibration | None:
        return self.index.calibration

    def decision(self) -> str:
        """The threshold and margin in force and where they come from, for `check`, `eval` and `explain`."""
        trained = f"; trained part {self.trained_weight:g}" if self.trained_weight else ""
        chosen = self.calibration
        if chosen is None or (self.threshold, self.margin) != (chosen.threshold, chosen.margin):
            return f"answering at threshold {self.threshold:g} and margin {self.margin:g} (set){trained}"
        return f"answering at {chosen.describe()}{trained}"

    def _card_kinds(self, card_index: int) -> frozenset[str]:
        """The kinds of fact the card answers (a person, a time, a place, an amount, steps)."""
        kinds = self._kinds.get(card_index)
        if kinds is None:
            card = self.cards[card_index]
            kinds = self._kinds[card_index] = answered_kinds(map(clean, card.questions), clean(card.answer))
        return kinds

    def knows_stem(self, word_stem: str) -> bool:
        """Whether some card's phrase has this stem: a form no card uses ("helped") still matches by it ("help")."""
        return self.index.phrase_words.knows(word_stem)

    def question_text(self, question: str) -> str:
        """The question as matched; the chat noise a card's own small talk uses stays ("good morning")."""
        return self.vocabulary.rejoined(question_text(question[:QUERY_MAX_CHARS], self.index.card_talk))

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
                held = all(self.index.card_words.has(part.stem, card_index) for part in parts)
                (has if held else lacks).append(word)
        missing = tuple(sorted(kinds - self._card_kinds(card_index)))
        return Lacking(missing, () if missing else tuple(lacks), tuple(has))

    def _undone(self, suggestion: Suggestion, question: str) -> Lacking | None:
        """What the card lacks when the question undoes one of its words ("how do i unlink my account" of a card on
        linking it): the card holds the opposite of what is asked, however many other words they share."""
        words = self.question_text(question).split()
        known = self.vocabulary.counts
        if not any(undoes(word, known) for word in words):
            return None
        lacking = self._lacking_of(suggestion, question)
        undone = tuple(word for word in lacking.words if undoes(word, known))
        return Lacking((), undone, lacking.subject) if undone else None

    def _phrase_slice(self, card_index: int) -> slice:
        return slice(int(self.index.phrase_start[card_index]), int(self.index.phrase_start[card_index + 1]))

    def _trained(self, model: LinearModel, question: str) -> np.ndarray:
        """The linear model's share of each card, 0–1, summing to 1."""
        scores = LINEAR_SHARPNESS * model.scores(linear_features(self.vocabulary, question))
        shares: np.ndarray = np.exp(scores - scores.max())
        shares /= shares.sum()
        return shares

    def rank(self, question: str, limit: int = RERANK, asked: str | None = None) -> list[Suggestion]:
        """The closest cards, best first, with their 0–100 scores; no decision taken. With `asked`, a long
        message's clause that asks, what the message names is read from that clause (`long_message.py`)."""
        index = self.index
        cleaned = self.question_text(question)
        if is_small_talk(cleaned, index.small_talk):
            return []
        query = question_features(index.vocabulary, cleaned)
        if not query.words:
            return []
        phrase_words = index.phrase_words.scores(query.words)
        phrase_chars = index.phrase_chars.scores(query.chars)
        gate(phrase_words, phrase_chars, self._learned)
        starts = index.phrase_start[:-1]
        best_words = np.maximum.reduceat(phrase_words * index.phrase_factor, starts)
        best_chars = np.maximum.reduceat(phrase_chars * index.phrase_factor, starts)
        whole = WEIGHT_BEST_QUESTION
        words = whole * best_words + (1 - whole) * index.card_words.scores(query.words)
        chars = whole * best_chars + (1 - whole) * index.card_chars.scores(query.chars)
        lexical = WEIGHT_WORDS * words + WEIGHT_CHARS * chars
        trained = index.trained_weight
        blended = lexical
        if index.linear is not None:
            blended = (1 - trained) * lexical + trained * self._trained(index.linear, question[:QUERY_MAX_CHARS])
        candidates = top(blended, max(limit, RERANK))
        kinds = asks(cleaned)
        # The content words alone: function words and pairs say how a question is asked, not what it names.
        content = {stem: query.words[stem] for stem in query.text.split()}
        if asked is None:
            covered = index.card_words.covered(content, candidates, index.phrase_words, index.taught)
        else:
            clause = question_features(index.vocabulary, self.question_text(asked))
            named = {stem: clause.words[stem] for stem in clause.text.split()}
            covered = told_coverage(index.card_words, content, named, candidates, index.phrase_words, index.taught)
        scored = []
        for card_index, coverage in zip(candidates, covered, strict=True):
            if lexical[card_index] <= 0:
                break
            phrases = index.phrase_text[self._phrase_slice(card_index)]
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
        exact = self.index.exact.get(clean(question[:QUERY_MAX_CHARS]))
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
        parts = clauses(question[:QUERY_MAX_CHARS])
        confirmed = [
            clause
            for clause in (self._decide(text, self.rank(text)) for text in parts if is_question(clean(text)))
            if clause.answered and clause.card is closest
        ]
        # Or the question leans on what came before it ("... huge number of Nvidia chips involved, does anyone remember
        # how many they're getting"): its asking clause with the words of the rest that some card uses, the chatter
        # around them (words no card knows) left out.
        # It may pick another card than the message's closest, but one of the few the message itself ranks first.
        focused = self._focused(question[:QUERY_MAX_CHARS])
        if focused is not None:
            narrowed = self._decide(focused, self.rank(focused))
            if any(narrowed.card is suggestion.card for suggestion in ranked[:FOCUS_AMONG]):
                confirmed.append(narrowed)
        # Failing both, the whole message once more, what it names read from its asking clause, the story around it
        # held against no card ("... my last day is next friday ... how do i give my equipment back?").
        if not any(part.outcome is Outcome.ANSWERED for part in (match, *confirmed)):
            told = self._told(question, parts)
            if told is not None:
                confirmed.append(told)
        # A full answer from any of them first; a partial one (which says what the card lacks) only when none is.
        for wanted in (Outcome.ANSWERED, Outcome.PARTIAL):
            found = [part for part in (match, *confirmed) if part.outcome is wanted]
            if found:
                best = max(found, key=lambda part: part.score)
                decided_on = None if best.question == question else best.question
                # The message's own closest cards are offered too: its clause may have missed what it asks.
                assert best.card is not None  # answered
                offered = runners_up(best.card, ranked, best.suggestions)
                return Match(
                    question,
                    wanted,
                    best.score,
                    best.card,
                    offered,
                    best.lacking,
                    decided_on=decided_on,
                    asked=best.asked,
                )
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

    def _told(self, question: str, parts: list[str]) -> Match | None:
        """A long message decided whole with its asking clause as what it names, when that answers it."""
        asked = asking_clause(parts)
        # Its length as matched: chat noise around a short question never makes it a long message.
        if asked is None or len(self.question_text(question).split()) < LONG_MESSAGE_WORDS:
            return None
        told = self._decide(question, self.rank(question, asked=asked))
        return replace(told, asked=asked) if told.answered else None

    def _decide(self, question: str, ranked: list[Suggestion]) -> Match:
        """Answer with the best of `ranked` when it scores high enough and leads by enough; else decline."""
        if not ranked:
            return Match(question, Outcome.EMPTY, 0.0, None)
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        # No dead end: any card that shares a word or a close spelling with the question is offered, however low it
        # scores; an empty "did you mean" only where nothing relates.
        suggestions = did_you_mean(ranked)
        more = len(offerable(ranked)) > SUGGESTIONS_MAX
        if best.score >= self.threshold and best.score - runner_up >= self.margin and self._names_words(question):
            # Scoring well despite lacking words, it is the answer; lacking the kind of fact asked, it says so.
            lacking = self._lacking_of(best, question) if best.halved else None
            close = runners_up(best.card, ranked)
            if lacking and FACT_KINDS.intersection(lacking.kinds):
                return Match(question, Outcome.PARTIAL, best.score, best.card, close, lacking=lacking)
            undone = self._undone(best, question)
            if undone is not None:
                return Match(question, Outcome.PARTIAL, best.score, best.card, close, lacking=undone)
            return Match(question, Outcome.ANSWERED, best.score, best.card, close)
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
        # A subject of one word must be what the card is about, a word of its title: a card holding "center" once
        # ("data centers") is not on the subject of "how to center a div". A card holding none is on no subject.
        on_topic = (
            lacking is not None
            and len(lacking.words) <= len(lacking.subject)
            and not any(word in self.vocabulary for word in lacking.words)
            and (len(lacking.subject) > 1 or (len(lacking.subject) == 1 and titled(top.card, lacking.subject[0])))
        )
        if on_topic and top.full_score - next_best >= self.margin:
            return Match(question, Outcome.PARTIAL, top.score, top.card, runners_up(top.card, ranked), lacking=lacking)
        if best.score < self.threshold:
            return Match(question, Outcome.LOW_SCORE, best.score, None, suggestions, more=more)
        return Match(question, Outcome.AMBIGUOUS, best.score, None, suggestions, more=more)

    def _names_words(self, question: str) -> bool:
        """Whether the question names anything but numbers: "what's 10% of 40" is about no card that holds a 40%,
        which is still offered. A word with digits in it ("h100s", "llama2") names a thing; a question of function
        words alone ("what do you know") is left to its score."""
        if not any(character.isdigit() for character in question):  # most questions: no need to read them again
            return True
        content = [word for word in self.question_text(question).split() if is_content(word)]
        return not content or not all(word.isdigit() for word in content)

    def autocomplete(self, prefix: str, limit: int = 25) -> list[Card]:
        """Cards for a half-typed question: titles starting with it first, then the closest matches."""
        typed = clean(prefix)
        if not typed:
            return self.cards[:limit]
        chosen: dict[int, None] = {}
        start = bisect.bisect_left(self.index.titles, (typed, -1))
        for title, index in self.index.titles[start:]:
            if not title.startswith(typed) or len(chosen) >= limit:
                break
            chosen[index] = None
        if len(chosen) < limit:
            for suggestion in self.rank(prefix, limit):
                chosen.setdefault(self._card_index[suggestion.card.id], None)
        return [self.cards[index] for index in list(chosen)[:limit]]
