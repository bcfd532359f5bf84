"""What a text is matched on: the stems of its content words, its function words and its word pairs, for many
texts at once as flat entries. A build has a text for every question, keyword and answer; one numpy pass over
all their words costs a fraction of a dict per text."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum, auto
from itertools import pairwise, repeat
from typing import NamedTuple

import numpy as np

from bot.engine.english import is_common, unknown_weight
from bot.engine.entries import Ragged, distinct, last_places, numbered, summed
from bot.engine.text import char_ngrams, is_content, says_nothing, stem
from bot.engine.vocabulary import Vocabulary

PAIR_WEIGHT = 0.5  # two words side by side, on top of each word alone
FUNCTION_WORD_WEIGHT = 0.5  # "why" and "who" ask different things, but weigh less than any content word
UNMATCHED_GRAM = "!"  # a mark no cleaned text has: n-grams carrying it are never any card's
_CONTENT, _FUNCTION, _PAIR = range(3)  # the order a text's features come in


class Part(NamedTuple):
    """A known word a content word stands for ("llama2" stands for "llama" and "2")."""

    word: str
    stem: str
    weight: float  # 1 for a word some card uses, less for any other
    grams: tuple[str, ...]  # its distinct character n-grams


Analyses = dict[str, tuple[Part, ...] | None]  # each word's analysis, kept from text to text


class _Unseen(Enum):
    """A word not analysed yet (None is an analysis: a function word's)."""

    UNSEEN = auto()


def filler(vocabulary: Vocabulary, word: str) -> bool:
    """Chat shorthand or a lone letter that no card's own words use: it says nothing of what is asked."""
    return says_nothing(word) and not vocabulary.holds(word)


def analyse(vocabulary: Vocabulary, word: str) -> tuple[Part, ...] | None:
    """A content word's known parts; None for a function word, or for filler no card uses (a learned phrasing's
    "eli5" keeps it filler: taught "eli5 pytorch pls", "eli5 open source ai" is still about open source AI)."""
    if not is_content(word) or filler(vocabulary, word):
        return None
    parts = [part for part in vocabulary.correct(word)[0] if is_content(part)]
    # A word no card uses lowers the match, less so when it is an everyday word than a rare one or a name; so does
    # one only learned phrasings use, though it matches them.
    return tuple(
        Part(part, stem(part), 1.0, _grams(vocabulary, part))
        if vocabulary.holds(part)
        else Part(part, _stem_of_unheld(vocabulary, part), unknown_weight(part), _grams(vocabulary, part))
        for part in parts
    )


def _stem_of_unheld(vocabulary: Vocabulary, word: str) -> str:
    """A word no card uses, as the stem it matches: its own, or the agent noun of its verb where only that is a
    card's ("cheating" a card's "cheater", "boosting" its "booster"): Snowball keeps the two apart."""
    own = stem(word)
    for agent in (own + "er", own + "ers"):
        if vocabulary.holds(agent) and own not in vocabulary.stems:  # the stems only looked at when it may be one
            return stem(agent)
    return own


def _grams(vocabulary: Vocabulary, word: str) -> tuple[str, ...]:
    """A word's distinct n-grams; marked so they match nothing when it is an everyday word no card uses.

    Such a word is meant as typed, not a typo of a card's word: "founded" must not match "foundation" by the
    n-grams they share. It still weighs in the question, as a word the cards do not cover.
    """
    grams = tuple(dict.fromkeys(char_ngrams(word)))
    if word in vocabulary or not is_common(word):
        return grams
    return tuple(UNMATCHED_GRAM + gram for gram in grams)


@dataclass(frozen=True)
class Features:
    """The word features of texts, text by text, each (text, feature) once: first the content stems, then the
    function words, then the pairs, each kind in the order the text first has it (as a dict per text had them).

    Each weighs 1 + log of its count in the text, times its kind's weight; a stem weighs as its word (a word no
    card uses weighs less). A function word no card uses counts for nothing, not even in pairs.
    """

    rows: np.ndarray  # the text of each entry
    features: np.ndarray  # its feature, a number into `names`
    weights: np.ndarray  # its term weight
    names: list[str]  # stems as they are, function words as "?how", pairs as "how llama"
    part_rows: np.ndarray  # the text of each part of the texts' content words, in order
    parts: np.ndarray  # which part it is, a number into `part_table`
    part_table: list[Part]
    texts: list[str]  # each text's content stems, for the fuzzy comparison


@dataclass(frozen=True)
class Query:
    words: dict[str, float]  # stems, function words and pairs → term weight, as `features` gives them
    chars: dict[str, float]  # character n-grams of the content words → term weight
    text: str  # content stems, for the fuzzy comparison


def question_features(vocabulary: Vocabulary, cleaned: str) -> Query:
    """One question's features, as `features` finds them for many texts, and its content words' n-grams.

    The same rules in plain Python: on one short text the numpy passes of `features` cost ten times as much.
    """
    content: list[Part] = []
    function: list[str] = []
    sequence: list[str] = []  # every known word in order, content words stemmed: the source of the pairs
    for word in vocabulary.expand_synonyms(cleaned).split():
        parts = analyse(vocabulary, word)
        if parts is not None:
            content.extend(parts)
            sequence.extend(part.stem for part in parts)
        elif word in vocabulary and not filler(vocabulary, word):  # "how" vs "why" tells questions apart
            function.append(word)
            sequence.append(word)
    stem_weight: dict[str, float] = {}  # a stem weighs as the last distinct word (in order of first use) with it
    seen: set[str] = set()
    for word, word_stem, weight, _ in content:
        if word not in seen:
            seen.add(word)
            stem_weight[word_stem] = weight
    stems = [part.stem for part in content]
    words = {feature: (1.0 + math.log(n)) * stem_weight[feature] for feature, n in _counts(stems).items()}
    for feature, n in _counts(function).items():
        words[f"?{feature}"] = (1.0 + math.log(n)) * FUNCTION_WORD_WEIGHT
    for feature, n in _counts(map(" ".join, pairwise(sequence))).items():
        words[feature] = (1.0 + math.log(n)) * PAIR_WEIGHT
    grams: dict[str, float] = {}
    for _, _, weight, word_grams in content:
        for gram in word_grams:
            grams[gram] = grams.get(gram, 0.0) + weight
    return Query(words, grams, " ".join(stems))


def _counts(items: Iterable[str]) -> dict[str, int]:
    """Occurrences in order of first appearance, as a Counter has them: a few times faster on a phrase's words."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


@dataclass(frozen=True)
class Words:
    """The words of many cleaned texts, split once and numbered: the vocabulary counts them and the features read
    them (a build's texts have hundreds of thousands of words, a Python string each)."""

    text: str  # the texts, a line each (cleaned text has no line breaks, and synonyms do not span one)
    tokens: np.ndarray  # each word of the texts in order, a number into `names`
    names: list[str]  # the distinct words, in order of first appearance
    counts: np.ndarray  # how many words each text has

    @classmethod
    def of(cls, cleaned: Sequence[str]) -> Words:
        return cls.split("\n".join(cleaned), len(cleaned))

    @classmethod
    def split(cls, text: str, n_texts: int) -> Words:
        """The words of `n_texts` texts given a line each: split at once rather than text by text. A cleaned
        text's words are parted by single spaces."""
        lines = text.split("\n") if n_texts else []
        counts = np.fromiter(map(str.count, lines, repeat(" ")), dtype=np.int64, count=len(lines))
        counts += np.fromiter(map(bool, lines), dtype=bool, count=len(lines))
        del lines
        tokens, names = numbered(text.split(), int(counts.sum()))
        # The distinct words made again, side by side: the first of each, left among hundreds of thousands of freed
        # ones, kept their memory from being reused or given back (bench/README.md).
        names = "\n".join(names).split("\n") if names else []
        return cls(text, tokens, names, counts)

    def rows(self) -> np.ndarray:
        """The text of each word."""
        return np.repeat(np.arange(len(self.counts), dtype=np.int64), self.counts)

    def expanded(self, vocabulary: Vocabulary) -> Words:
        """These texts with the vocabulary's synonyms put in: the same words when no text has one."""
        text = vocabulary.expand_synonyms(self.text)
        return self if text == self.text else Words.split(text, len(self.counts))


def features(vocabulary: Vocabulary, words: Words, analyses: Analyses) -> Features:
    """The features of many cleaned texts' words; `analyses` keeps each word's analysis for the next call."""
    words = words.expanded(vocabulary)
    tokens, n_words, token_rows = words.tokens, words.counts, words.rows()

    table = _word_table(vocabulary, words.names, analyses)
    n_elements = len(table.elements)
    part_rows, parts = table.parts.expand(tokens, token_rows)
    part_weight = np.array([part.weight for part in table.part_table], dtype=np.float64)

    stem_rows, stems, stem_counts = summed(part_rows, table.part_stem[parts])
    stem_weights = _last_word_weights(part_rows, parts, table.part_stem, part_weight, n_elements, stem_rows, stems)
    function_at = table.function_element[tokens] >= 0
    function_rows, functions, function_counts = summed(
        token_rows[function_at], table.function_element[tokens[function_at]]
    )
    pair_rows, pairs, pair_counts, pair_names = _pairs(*table.elements_of.expand(tokens, token_rows), table.elements)

    counts = [stem_counts.astype(np.int64), function_counts.astype(np.int64), pair_counts.astype(np.int64)]
    logs = _logs(max((int(c.max()) for c in counts if len(c)), default=0) + 1)
    rows = np.concatenate((stem_rows, function_rows, pair_rows))
    kind = np.repeat([_CONTENT, _FUNCTION, _PAIR], [len(stem_rows), len(function_rows), len(pair_rows)])
    order = np.argsort(rows * 3 + kind, kind="stable")
    return Features(
        rows=rows[order],
        features=np.concatenate((stems, functions + n_elements, pairs + 2 * n_elements))[order],
        weights=np.concatenate(
            (
                (1.0 + logs[counts[_CONTENT]]) * stem_weights,
                (1.0 + logs[counts[_FUNCTION]]) * FUNCTION_WORD_WEIGHT,
                (1.0 + logs[counts[_PAIR]]) * PAIR_WEIGHT,
            )
        )[order],
        names=table.elements + [f"?{element}" for element in table.elements] + pair_names,
        part_rows=part_rows,
        parts=parts,
        part_table=table.part_table,
        texts=_stem_texts(table.stem_text, words.names, tokens, n_words),
    )


def _stem_texts(stem_text: dict[str, str], words: list[str], tokens: np.ndarray, n_words: np.ndarray) -> list[str]:
    """Each text's content stems: each distinct word looked up once, then joined text by text. The words with no
    stems (function words) are left out in numpy, not by a filter over every word in Python."""
    word_stems = np.array([stem_text.get(word, "") for word in words], dtype=object)
    kept = (word_stems != "")[tokens]
    stems = word_stems[tokens[kept]].tolist()  # taken in numpy: no Python int for each of the texts' words
    kept_before = np.zeros(len(kept) + 1, dtype=np.int64)  # how many kept words come before each word
    np.cumsum(kept, out=kept_before[1:])
    bounds = kept_before[np.cumsum([0, *n_words.tolist()])].tolist()
    return [" ".join(stems[start:end]) for start, end in pairwise(bounds)]


@dataclass(frozen=True)
class _WordTable:
    """What each distinct word of the texts adds: its parts, and its elements, the items of the word sequence that
    pairs are read from (its parts' stems, or the word itself for a function word some card uses)."""

    part_table: list[Part]  # every distinct part, numbered in order
    parts: Ragged  # each word's parts, numbers into part_table
    part_stem: np.ndarray  # each part's stem, an element
    elements: list[str]  # the elements by number: stems and function words
    elements_of: Ragged  # each word's elements
    function_element: np.ndarray  # for a function word some card uses, its element; -1 for any other word
    stem_text: dict[str, str]  # a content word's stems as text


def _word_table(vocabulary: Vocabulary, words: list[str], analyses: Analyses) -> _WordTable:
    part_number: dict[str, int] = {}
    part_table: list[Part] = []
    element_number: dict[str, int] = {}
    word_parts: list[list[int]] = []
    word_elements: list[list[int]] = []
    function_element = np.full(len(words), -1, dtype=np.int64)
    stem_text: dict[str, str] = {}
    for index, word in enumerate(words):
        analysis = analyses.get(word, _Unseen.UNSEEN)
        if analysis is _Unseen.UNSEEN:
            analysis = analyses[word] = analyse(vocabulary, word)
        if analysis is not None:
            for part in analysis:
                if part.word not in part_number:
                    part_number[part.word] = len(part_table)
                    part_table.append(part)
            word_parts.append([part_number[part.word] for part in analysis])
            word_elements.append([element_number.setdefault(part.stem, len(element_number)) for part in analysis])
            if analysis:
                stem_text[word] = " ".join(part.stem for part in analysis)
        elif word in vocabulary and not filler(vocabulary, word):  # "how" vs "why" tells questions apart
            element = element_number.setdefault(word, len(element_number))
            function_element[index] = element
            word_parts.append([])
            word_elements.append([element])
        else:
            word_parts.append([])
            word_elements.append([])
    return _WordTable(
        part_table,
        Ragged.of(word_parts),
        np.array([element_number[part.stem] for part in part_table], dtype=np.int64),
        list(element_number),
        Ragged.of(word_elements),
        function_element,
        stem_text,
    )


def _pairs(
    element_rows: np.ndarray, sequence: np.ndarray, elements: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Each text's pairs of neighbouring elements, counted as `summed` counts, and the pairs' names."""
    n_elements = max(len(elements), 1)
    paired = element_rows[1:] == element_rows[:-1]  # not across two texts
    keys, pairs = distinct(sequence[:-1][paired] * n_elements + sequence[1:][paired])
    rows, pairs, counts = summed(element_rows[1:][paired], pairs)
    first, second = np.divmod(keys, n_elements)
    names = [f"{elements[a]} {elements[b]}" for a, b in zip(first.tolist(), second.tolist(), strict=True)]
    return rows, pairs, counts, names


def _last_word_weights(
    part_rows: np.ndarray,
    parts: np.ndarray,
    part_stem: np.ndarray,
    part_weight: np.ndarray,
    n_elements: int,
    stem_rows: np.ndarray,
    stems: np.ndarray,
) -> np.ndarray:
    """The weight of each (row, stem): that of the last distinct part, in order of first use, with the stem.

    A stem whose parts all weigh the same weighs that in every row; only the others are looked up row by row. In a
    build every word is a card's and weighs 1, unless a synonym brings in another: the lookup, two sorts of every
    part, is then skipped.
    """
    n_stems = max(n_elements, 1)
    low = np.full(n_stems, np.inf)
    np.minimum.at(low, part_stem, part_weight)
    high = np.full(n_stems, -np.inf)
    np.maximum.at(high, part_stem, part_weight)
    weights: np.ndarray = low[stems]
    mixed = low < high
    at = mixed[part_stem[parts]]
    if np.any(at):
        # Each (row, part) once, where the row first has it: summed's order of first appearance (counts unused).
        first_rows, first_parts, _ = summed(part_rows[at], parts[at])
        keys, last = last_places(first_rows * n_stems + part_stem[first_parts])
        looked_up = mixed[stems]
        found = np.searchsorted(keys, stem_rows[looked_up] * n_stems + stems[looked_up])
        weights[looked_up] = part_weight[first_parts[last]][found]
    return weights


def _logs(size: int) -> np.ndarray:
    """math.log of 0..size-1 (log 0 as 0, never used): np.log may differ from it in the last bit."""
    return np.array([0.0] + [math.log(n) for n in range(1, size)], dtype=np.float64)
