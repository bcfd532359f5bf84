"""The cards' vocabulary: maps chat words onto the words the cards use (synonyms, shorthand, glued versions, typos)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from itertools import chain

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.engine.chat_words import chat_words
from bot.engine.english import is_common
from bot.engine.entries import ascending, numbered
from bot.engine.memo import WordCache
from bot.engine.text import is_content, split_letters_digits, stem

MIN_TYPO_LENGTH = 4
MIN_GLUED_PART = 3  # shorter parts would split ordinary words into chance pieces
UNDOING = "un"  # a prefix that turns a word into its opposite: "unlink", "unban", "uninstall"
MIN_UNDONE = 3  # letters after it: "unit" is no undone "it"
DOUBLES = re.compile(r"(\w)\1+")


def _alternation(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern of whole phrases, the longest tried first; None for none."""
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b") if ordered else None


def undoes(word: str, known: Mapping[str, int]) -> bool:
    """Whether a word no card uses is the opposite of a card's content word ("unlink" of "link"; not "unit")."""
    rest = word[len(UNDOING) :]
    undone = word.startswith(UNDOING) and len(rest) >= MIN_UNDONE and is_content(rest)
    return undone and word not in known and rest in known


def max_edits(word: str) -> int:
    """How many edits a typo of this length may have and still be corrected: short words get fewer."""
    return 1 if len(word) < 8 else 2


def _plurals(synonyms: Mapping[str, str]) -> dict[str, str]:
    """A one-word synonym's plural stands for it too ("zucks" for "zuck"): chat drops the apostrophe of "zuck's",
    and the word left matches no card, since the cards' own "zuck" became the synonym's words."""
    return {
        plural: value
        for key, value in synonyms.items()
        if key.isalpha()
        for plural in (f"{key}s", f"{key}es")
        if stem(plural) == stem(key)
    }


def _is_ing_form(word: str, counts: Mapping[str, int]) -> bool:
    """Whether `word` is a verb's -ing form a card or everyday English uses ("making"; not "ring" or "bring")."""
    return (word in counts or is_common(word)) and stem(word) != word


class Vocabulary:
    """Known words (with how many cards use each) and chat synonyms; corrects a word onto a known one."""

    def __init__(
        self, counts: Counter[str], synonyms: Mapping[str, str], learned_only: frozenset[str] = frozenset()
    ) -> None:
        """`learned_only`: the known words that only members' learned phrasings use, typos among them."""
        self.counts = counts
        self.learned_only = learned_only
        self.synonyms = {key: value for key, value in synonyms.items() if key and value}
        self._chat_words = chat_words()  # read here, so a malformed line stops the build, not a question
        self._by_length: dict[int, list[str]] = {}
        self._undoubled: dict[str, str] = {}  # "lama" → "llama": doubled letters are the commonest slip
        for word in sorted(counts, key=lambda known: (-counts[known], known)):
            self._by_length.setdefault(len(word), []).append(word)
            self._undoubled.setdefault(DOUBLES.sub(r"\1", word), word)
        self._replacements = {**_plurals(self.synonyms), **self.synonyms}
        self._synonym_pattern = _alternation(self._replacements)
        self.correct = WordCache(self._correct)

    def __reduce__(self) -> tuple[type[Vocabulary], tuple[Counter[str], dict[str, str], frozenset[str]]]:
        """Pickled as its counts and synonyms: the lookup tables are rebuilt, the correction cache starts empty."""
        return Vocabulary, (self.counts, self.synonyms, self.learned_only)

    @classmethod
    def build(cls, texts: Sequence[list[str]], synonyms: Mapping[str, str]) -> Vocabulary:
        """`texts` are the cleaned words of each card (questions, keywords, answer), one list a card."""
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        tokens, names = numbered(chain.from_iterable(texts), int(lengths.sum()))
        return cls.counted(names, tokens, np.repeat(np.arange(len(texts)), lengths), synonyms)

    @classmethod
    def counted(
        cls,
        names: list[str],
        tokens: np.ndarray,
        cards: np.ndarray,
        synonyms: Mapping[str, str],
        learned: np.ndarray | None = None,
    ) -> Vocabulary:
        """From the cards' words numbered (`tokens` into `names`), with the card of each (ascending): how many cards
        use each word, counted in numpy rather than from a set of words a card. `learned` marks the tokens of
        learned phrasings: a word only they use is known, but still read as a typo of a card's own word."""
        size = max(len(names), 1)
        distinct = ascending(cards * size + tokens)
        counts = np.bincount(distinct % size, minlength=len(names))
        learned_only: frozenset[str] = frozenset()
        if learned is not None and learned.any():
            own = np.bincount(tokens[~learned], minlength=len(names))
            learned_only = frozenset(np.asarray(names, dtype=object)[(own == 0) & (counts > 0)].tolist())
        return cls(Counter(dict(zip(names, counts.tolist(), strict=True))), synonyms, learned_only)

    def __contains__(self, word: str) -> bool:
        return word in self.counts

    @cached_property
    def stems(self) -> frozenset[str]:
        """The stems of the cards' own words (not those only learned phrasings use)."""
        return frozenset(stem(word) for word in self.counts if word not in self.learned_only)

    def holds(self, word: str) -> bool:
        """Whether the cards' own words include it: a word only learned phrasings use is known, not held."""
        return word in self.counts and word not in self.learned_only

    def rejoined(self, cleaned: str) -> str:
        """Two words typed apart that the cards write as one ("py torch", "face book", "h 100"): joined, where not
        both are the cards' words already."""
        words = cleaned.split()
        if len(words) < 2:
            return cleaned
        joined: list[str] = []
        at = 0
        while at < len(words):
            pair = words[at] + words[at + 1] if at + 1 < len(words) else ""
            if pair in self.counts and not (words[at] in self.counts and words[at + 1] in self.counts):
                joined.append(pair)
                at += 2
            else:
                joined.append(words[at])
                at += 1
        return " ".join(joined)

    def expand_synonyms(self, cleaned: str) -> str:
        if self._synonym_pattern is None:
            return cleaned
        return self._synonym_pattern.sub(lambda match: self._replacements[match.group(0)], cleaned)

    def _correct(self, word: str) -> tuple[tuple[str, ...], bool]:
        """The known words `word` stands for, and whether it had to be guessed (a typo fix)."""
        if word in self.learned_only and self._typo(word) and (own := self._closest(word, own=True)):
            return (own,), True  # a member's typo a learned phrasing keeps ("pytroch") is still the card's word
        if word in self.counts or word.isdigit():
            return (word,), False
        if (meaning := self.chat_form(word)) is not None:
            return meaning, False
        undoubled = self._undoubled.get(DOUBLES.sub(r"\1", word))
        if undoubled:
            return (undoubled,), undoubled != word
        parts = split_letters_digits(word)
        if len(parts) > 1 and all(part in self.counts or part.isdigit() for part in parts):
            return tuple(parts), False
        if not is_common(word) and (glued := self._unglue(word)):
            return glued, False
        if word.endswith("in") and not is_common(word) and _is_ing_form(word + "g", self.counts):
            return (word + "g",), False  # "makin" is "making", not a typo of "main"
        if not self._typo(word):
            return (word,), False
        best = self._closest(word)
        return ((best,), True) if best and not undoes(word, self.counts) else ((word,), False)

    def chat_form(self, word: str) -> tuple[str, ...] | None:
        """What a chat word no card uses stands for (`chat_words.txt`): a card's own plural or singular of it ("pic"
        for "pics"), else the lexicon's words. None for any other word, and for one a card uses: a card's "pfp" is
        matched as typed, and a card's `synonyms:` were applied before."""
        meaning = self._chat_words.get(word)
        if meaning is None or word in self.counts:
            return None
        own = next((form for form in (f"{word}s", f"{word}es", word.removesuffix("s")) if form in self.counts), None)
        return (own,) if own else meaning

    def _unglue(self, word: str) -> tuple[str, str] | None:
        """`opensource` → `open`, `source`: two words the cards use, typed as one (the most even split wins)."""
        splits = [
            (word[:cut], word[cut:])
            for cut in range(MIN_GLUED_PART, len(word) - MIN_GLUED_PART + 1)
            if word[:cut] in self.counts and word[cut:] in self.counts
        ]
        return max(splits, key=lambda split: min(map(len, split)), default=None)

    @staticmethod
    def _typo(word: str) -> bool:
        """Whether the word may be a typo at all: long enough, letters only, not an everyday English word."""
        return len(word) >= MIN_TYPO_LENGTH and word.isalpha() and not is_common(word)

    def _closest(self, word: str, own: bool = False) -> str | None:
        """The known word `word` is likeliest a typo of; `own`: a word the cards themselves use."""
        edits = max_edits(word)
        candidates = [
            known
            for length in range(len(word) - edits, len(word) + edits + 1)
            for known in self._by_length.get(length, ())
            if len(known) >= MIN_TYPO_LENGTH and not (own and known in self.learned_only)
        ]
        hits = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=edits, limit=10)
        if not hits:
            return None
        # Fewest edits first; among equals, the word more cards use, then the one sharing the first letter.
        return min(hits, key=lambda hit: (hit[1], hit[0][0] != word[0], -self.counts[hit[0]], hit[0]))[0]
