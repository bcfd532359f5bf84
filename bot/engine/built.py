"""The index built from the cards: made once, never changed after, and cached whole (`cache.py`), so a restart on
the same cards reads it back. The engine (`matcher.py`) queries it; what it keeps while it answers is its own."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import compress, pairwise

import numpy as np

from bot.cards.model import Card
from bot.engine.calibration import Calibration
from bot.engine.entries import Postings, Ragged
from bot.engine.features import Analyses, Part, Words, analyse, features
from bot.engine.index import SparseIndex
from bot.engine.linear import LinearModel
from bot.engine.phrase_table import PhraseTable
from bot.engine.text import NOISE_WORDS, SMALL_TALK, char_ngrams, clean, clean_many, is_small_talk, stem
from bot.engine.vocabulary import Vocabulary
from bot.forked import Pending

ANSWER_TERM_WEIGHT = 0.5  # the answer's words count half as much as a question's toward the whole card
UNKNOWN_WEIGHT = 1.5  # a word no card knows weighs as the rarest known word, times this
# Each sentence of a card's answer is also one of its phrases, its score counted at this share: a card written with
# three phrasings still matches a question in its answer's words ("how many warnings before a mute").
ANSWER_SENTENCE_FACTOR = 0.85
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")
MIN_SENTENCE_WORDS = 3
# The kinds of a card's texts, in the order a build lists them.
OWN, LEARNED, KEYWORD, SENTENCE, ANSWER = range(5)
TEXT_KINDS = np.array([OWN, LEARNED, KEYWORD, SENTENCE, ANSWER], dtype=np.int8)
SMALL_TALK_CHARS = 40  # a question longer than this is no small talk ("thanks bot", "good morning everyone")
# The optional trained part: a softmax regression over every word (stemmed), word pairs and character 2–5-grams,
# learned from the phrases. It pays where cards have many alternates; on a few a card it is unsure.
TRAINED_WEIGHT = 0.85  # its share when on by default
TRAINED_MIN_PHRASINGS = 20  # questions a card, on average, for it to be on by default
# Training time grows with the phrases: past this many, a build would take minutes, so the part is left out.
TRAINED_PHRASES_MAX = 20_000

# Starts choosing the threshold and margin on cards (their own phrasings alone) for a trained part of that weight.
Calibrator = Callable[[list[Card], float], Pending[Calibration]]


@dataclass(frozen=True, slots=True)
class Index:
    """Everything a build makes from the cards, for the engine to query; card `i` is the engine's `cards[i]`."""

    vocabulary: Vocabulary
    exact: PhraseTable  # a phrase as cleaned, and the card it is answered with without scoring
    titles: tuple[tuple[str, int], ...]  # each card's title as cleaned, and the card, sorted: autocomplete's prefixes
    phrase_start: np.ndarray  # card i owns phrases phrase_start[i] up to phrase_start[i + 1]
    phrase_text: tuple[str, ...]  # each phrase as its stems, for the fuzzy comparison
    phrase_factor: np.ndarray  # what each phrase's score counts for: an answer's sentence counts less
    phrase_words: SparseIndex
    phrase_chars: SparseIndex
    card_words: SparseIndex  # each card's own words as one document (not its learned phrasings)
    card_chars: SparseIndex
    small_talk: frozenset[str]  # words that make a message small talk, less the ones a card uses
    card_talk: frozenset[str]  # chat noise a card's own small-talk question uses, kept in a question
    taught: Mapping[int, frozenset[str]]  # the features of each card's learned phrasings: the words members taught it
    linear: LinearModel | None
    trained_weight: float  # the trained part's share of a score: 0 when it is left out
    calibration: Calibration | None  # the threshold and margin chosen on the cards, when they were to be chosen


def answer_sentences(answer: str) -> tuple[str, ...]:
    """The sentences of an answer that can stand as a phrasing: members ask in the words the answer uses."""
    return tuple(sentence for sentence in SENTENCE_BREAK.split(answer) if len(sentence.split()) >= MIN_SENTENCE_WORDS)


def auto_trained_weight(cards: Sequence[Card]) -> float:
    """The trained part learns what sets a card's phrasings apart from the others'; with a few phrasings a card it
    only spreads its shares (see ARCHITECTURE.md), so it is on only where cards have many."""
    phrasings = sum(len(card.questions) for card in cards)
    return TRAINED_WEIGHT if cards and phrasings >= TRAINED_MIN_PHRASINGS * len(cards) else 0.0


def own_phrasings(cards: Sequence[Card]) -> list[Card]:
    """The cards as their files have them, without what members taught: the decision is chosen on these, so teaching
    one question can neither make the bot bolder on every other nor cost a calibration each time."""
    return [replace(card, learned=()) if card.learned else card for card in cards]


def linear_features(vocabulary: Vocabulary, text: str) -> tuple[dict[str, float], dict[str, float]]:
    """Every word counts here, stemmed, with its neighbour pairs and character n-grams: the model weighs them."""
    cleaned = vocabulary.expand_synonyms(clean(text)).split()
    stems = [stem(word) for word in cleaned]
    words = _sublinear(Counter(stems) + Counter(f"{a} {b}" for a, b in pairwise(stems)))
    chars = _sublinear(Counter(gram for word in cleaned for gram in char_ngrams(word, 2, 5)))
    return words, chars


def _sublinear(counts: Counter[str], factor: float = 1.0) -> dict[str, float]:
    return {feature: (1.0 + math.log(count)) * factor for feature, count in counts.items()}


# Makes a SparseIndex from a build's postings (name, postings, feature names, the group of each row, the postings
# grouped when a build has them): a full build counts the frequencies from them, an update (`update.py`) from the base.
Indexer = Callable[[str, Postings, Sequence[str], Sequence[int], Postings | None], SparseIndex]


@dataclass(frozen=True)
class Read:
    """Cards' texts cleaned and split into numbered words, card by card (its phrases, then its answer)."""

    cleaned: list[tuple[str, ...]]  # each card's texts as cleaned: questions, learned, keywords, sentences, answer
    words: Words
    kind: np.ndarray  # what each text is (OWN, LEARNED, KEYWORD, SENTENCE, ANSWER)
    card_of_text: np.ndarray

    @classmethod
    def of(cls, cards: Sequence[Card]) -> Read:
        # Each text cleaned once and split once: the vocabulary, the features and the exact matches start from it.
        sentences = [answer_sentences(card.answer) for card in cards]
        texts = [(*card.asked, *card.keywords, *said, card.answer) for card, said in zip(cards, sentences, strict=True)]
        n_texts = np.array([len(card_texts) for card_texts in texts], dtype=np.int64)
        all_cleaned = clean_many([text for card_texts in texts for text in card_texts])
        words = Words.of(all_cleaned)
        cleaned = [tuple(all_cleaned[start:end]) for start, end in pairwise([0, *np.cumsum(n_texts).tolist()])]
        kind = np.concatenate(
            [
                np.repeat(TEXT_KINDS, [len(card.questions), len(card.learned), len(card.keywords), len(said), 1])
                for card, said in zip(cards, sentences, strict=True)
            ]
            or [np.zeros(0, dtype=np.int8)]
        )
        return cls(cleaned, words, kind, np.repeat(np.arange(len(cards)), n_texts))

    def vocabulary(self, synonyms: Mapping[str, str]) -> Vocabulary:
        """The words of these texts, with how many cards use each."""
        token_rows = self.words.rows()
        learned = (self.kind == LEARNED)[token_rows]
        return Vocabulary.counted(self.words.names, self.words.tokens, self.card_of_text[token_rows], synonyms, learned)


def synonyms_of(cards: Sequence[Card]) -> dict[str, str]:
    return {clean(k): clean(v) for card in cards for k, v in card.synonyms.items()}


@dataclass(frozen=True)
class Indexed:
    """What a build makes of some cards with a vocabulary, before the parts only the whole base decides."""

    vocabulary: Vocabulary
    exact: PhraseTable
    titles: list[tuple[str, int]]
    groups: list[int]  # the card of each phrase
    factors: list[float]
    phrase_text: tuple[str, ...]
    phrase_words: SparseIndex
    phrase_chars: SparseIndex
    card_words: SparseIndex
    card_chars: SparseIndex
    card_talk: frozenset[str]
    taught: dict[int, frozenset[str]]


def indexed(cards: Sequence[Card], vocabulary_of: Callable[[Read], Vocabulary], indexer: Indexer) -> Indexed:
    """The cards' phrases and whole cards as indexes (made by `indexer`) with the vocabulary `vocabulary_of` their
    texts give, their exact phrases, titles, small talk and taught words."""
    read = Read.of(cards)
    vocabulary = vocabulary_of(read)
    cleaned, words, kind, card_of_text = read.cleaned, read.words, read.kind, read.card_of_text
    del read
    # Every known word analysed in one go before the build makes its garbage: the analyses then lie together
    # in memory, rather than scattered among freed objects that could not be given back (analysed as the texts
    # come, the build's own record of them pinned memory that way: bench/README.md).
    analyses: Analyses = {word: analyse(vocabulary, word) for word in words.names}
    # A card's title is its first question, already cleaned.
    titles = [(texts[0], index) for index, texts in enumerate(cleaned)]
    exact: dict[str, int] = {}
    groups: list[int] = []  # the card of each phrase (every question and keyword), card by card
    factors: list[float] = []  # what each phrase's score counts for: an answer's sentence counts less
    for index, (card, card_texts) in enumerate(zip(cards, cleaned, strict=True)):
        n_asked = len(card.asked) + len(card.keywords)
        for text in card_texts[:n_asked]:
            groups.append(index)
            exact.setdefault(text, index)
        groups.extend([index] * (len(card_texts) - 1 - n_asked))
        factors.extend([1.0] * n_asked + [ANSWER_SENTENCE_FACTOR] * (len(card_texts) - 1 - n_asked))
    # Small talk ("thanks bot!") is left unmatched, but for the words of a card that is there for it: one of its
    # own questions is small talk, as an intent set's greeting ("good morning") or a server's "Welcome!" is. Only
    # short ones can be: the check stays cheap.
    card_talk = frozenset(
        word
        for card, texts in zip(cards, cleaned, strict=True)
        for text in texts[: len(card.questions)]
        if len(text) <= SMALL_TALK_CHARS and is_small_talk(text)
        for word in text.split()
    )
    # Card by card, its phrases and then its answer: each card's texts together, in the order its whole
    # document adds them. The answer's words count toward its card, its n-grams do not.
    is_answer = kind == ANSWER
    learned_text = kind == LEARNED
    # An answer's sentences are phrases to match, not more of the card: its answer counts toward it once. Nor are
    # learned phrasings: what the card holds is what its author wrote.
    not_the_cards = learned_text | (kind == SENTENCE)
    phrase_of_text = np.cumsum(~is_answer) - 1
    batch = features(vocabulary, words, analyses)
    del cleaned, words, analyses
    phrase_text = tuple(compress(batch.texts, ~is_answer))
    word_in_phrase = ~is_answer[batch.rows]
    phrase_rows = phrase_of_text[batch.rows[word_in_phrase]]
    if len(phrase_rows) and np.any(np.diff(phrase_rows) < 0):
        raise ValueError("entries must come in row order")
    phrase_postings = Postings.summed(phrase_rows, batch.features[word_in_phrase], batch.weights[word_in_phrase])
    phrase_words = indexer("phrase_words", phrase_postings, batch.names, groups, None)
    del phrase_postings
    # The card's words as one document: all its questions and keywords, then its answer's at a lower weight.
    in_card = ~not_the_cards[batch.rows]
    card_postings = Postings.summed(
        card_of_text[batch.rows[in_card]],
        batch.features[in_card],
        np.where(word_in_phrase, batch.weights, batch.weights * ANSWER_TERM_WEIGHT)[in_card],
    )
    card_words = indexer("card_words", card_postings, batch.names, range(len(cards)), None)
    part_in_phrase = ~is_answer[batch.part_rows]
    phrase_parts = phrase_of_text[batch.part_rows[part_in_phrase]], batch.parts[part_in_phrase], batch.part_table
    # The features each card's learned phrasings use: the words members taught it.
    learned_rows = learned_text[batch.rows]
    taught: dict[int, set[str]] = {}
    learned_cards = card_of_text[batch.rows[learned_rows]].tolist()
    for card_index, feature in zip(learned_cards, batch.features[learned_rows].tolist(), strict=True):
        taught.setdefault(card_index, set()).add(batch.names[feature])
    # Freed before the n-grams, the build's largest step: its peak is what the kernel has to hand over.
    del batch, card_postings
    phrase_chars, card_chars = _char_indexes(*phrase_parts, groups, len(cards), indexer)
    return Indexed(
        vocabulary=vocabulary,
        exact=PhraseTable(exact),  # read back from the cache with no object a phrase
        titles=titles,
        groups=groups,
        factors=factors,
        phrase_text=phrase_text,
        phrase_words=phrase_words,
        phrase_chars=phrase_chars,
        card_words=card_words,
        card_chars=card_chars,
        card_talk=card_talk,
        taught={card_index: frozenset(names) for card_index, names in taught.items()},
    )


def _counted(
    name: str, postings: Postings, names: Sequence[str], groups: Sequence[int], by_group: Postings | None
) -> SparseIndex:
    """A full build's index: the frequencies counted from the postings themselves."""
    return SparseIndex.from_postings(postings, names, groups, UNKNOWN_WEIGHT, by_group=by_group)


def small_talk_of(vocabulary: Vocabulary, card_talk: frozenset[str]) -> frozenset[str]:
    """Words that make a message small talk: chat noise is too, but for the words some card uses (a server's "noob"
    channel), and for the small talk a card's own question is."""
    return (SMALL_TALK | NOISE_WORDS.difference(vocabulary.counts)) - card_talk


def build_index(cards: Sequence[Card], trained_weight: float, calibrator: Calibrator | None) -> Index:
    """The vocabulary, indexes and trained part of the cards; with a `calibrator`, the threshold and margin too,
    chosen on the cards' own phrasings with the trained part these would have."""
    # Without a trained part the calibration's engines have none either, so it can start before the build, beside it
    # (`forked.py`); with one, the weight they are built with is known only once the vocabulary is.
    early = calibrator(own_phrasings(cards), 0.0) if calibrator is not None and trained_weight <= 0 else None
    try:
        synonyms = synonyms_of(cards)
        made = indexed(cards, lambda read: read.vocabulary(synonyms), _counted)
        vocabulary = made.vocabulary
        linear, trained, own_trained = _trained_part(vocabulary, cards, len(made.groups), trained_weight)
        chosen = early or (calibrator(own_phrasings(cards), own_trained) if calibrator is not None else None)
        calibration = chosen.result() if chosen is not None else None
    finally:
        if early is not None:
            early.close()
    return Index(
        vocabulary=vocabulary,
        exact=made.exact,
        titles=tuple(sorted(made.titles)),
        phrase_start=np.searchsorted(np.array(made.groups), np.arange(len(cards) + 1)),
        phrase_text=made.phrase_text,
        phrase_factor=np.array(made.factors, dtype=np.float64),
        phrase_words=made.phrase_words,
        phrase_chars=made.phrase_chars,
        card_words=made.card_words,
        card_chars=made.card_chars,
        small_talk=small_talk_of(vocabulary, made.card_talk),
        card_talk=made.card_talk,
        taught=made.taught,
        linear=linear,
        trained_weight=trained,
        calibration=calibration,
    )


def _char_indexes(
    phrase_of_part: np.ndarray,
    parts: np.ndarray,
    part_table: list[Part],
    groups: list[int],
    n_cards: int,
    indexer: Indexer,
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
    phrase_chars = indexer("phrase_chars", phrases, gram_names, groups, cards)
    del phrases
    card_chars = indexer("card_chars", cards, gram_names, range(n_cards), None)
    return phrase_chars, card_chars


def _trained_part(
    vocabulary: Vocabulary, cards: Sequence[Card], n_phrases: int, trained_weight: float
) -> tuple[LinearModel | None, float, float]:
    """The trained model and its weight (0 when it is left out: too many phrases, or too many weights), and the
    weight it would have on the cards' own phrasings alone, which the calibration builds with."""
    if trained_weight <= 0 or len(cards) < 2:
        return None, 0.0, 0.0
    n_learned = sum(len(card.learned) for card in cards)
    if n_phrases - n_learned > TRAINED_PHRASES_MAX:
        return None, 0.0, 0.0
    asked = [
        (index, phrase, taught)
        for index, card in enumerate(cards)
        for phrases, taught in ((card.questions, False), (card.learned, True), (card.keywords, False))
        for phrase in phrases
    ]
    rows = [linear_features(vocabulary, phrase) for _, phrase, _ in asked]
    own = [row for row, (_, _, taught) in zip(rows, asked, strict=True) if not taught] if n_learned else rows
    if not LinearModel.fits(own, len(cards)):
        return None, 0.0, 0.0
    if n_phrases > TRAINED_PHRASES_MAX or (n_learned and not LinearModel.fits(rows, len(cards))):
        return None, 0.0, trained_weight
    model = LinearModel.train(rows, [index for index, _, _ in asked], len(cards))
    return model, trained_weight, trained_weight
