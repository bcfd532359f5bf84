"""The engine's caches of what it works out a word: bounded, however many new words the questions bring."""

import random
import string
from typing import Any

from bot.engine import Engine
from bot.engine.english import english_count
from bot.engine.text import char_ngrams, stem

FEW_THOUSAND = 10_000
NEW_WORDS = 6_000  # more than any cache keeps


def word_caches(engine: Engine) -> dict[str, Any]:
    """Every cache the engine keeps by word while it answers."""
    return {
        "stem": stem,
        "char_ngrams": char_ngrams,
        "english_count": english_count,
        "correct": engine.vocabulary.correct,
    }


def made_up_words(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(6, 12))) for _ in range(count)]


def test_each_word_cache_keeps_a_few_thousand_words_at_most(engine: Engine) -> None:
    words = made_up_words(NEW_WORDS)
    for start in range(0, len(words), 30):
        engine.answer(f"how do i {' '.join(words[start : start + 30])}")
    for name, cache in word_caches(engine).items():
        info = cache.cache_info()
        assert info.maxsize is not None, name
        assert info.maxsize <= FEW_THOUSAND, name
        assert info.currsize <= info.maxsize, name


def test_a_long_made_up_word_is_not_kept(engine: Engine) -> None:
    long_word = "zq" * 250  # its n-grams alone take tens of kilobytes
    sizes = {name: cache.cache_info().currsize for name, cache in word_caches(engine).items()}
    match = engine.answer(f"what is {long_word}")
    assert not match.answered
    assert {name: cache.cache_info().currsize for name, cache in word_caches(engine).items()} == sizes
