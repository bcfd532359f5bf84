"""What the engine works out about a word, kept for the words asked about lately: bounded by count and by size.

Every question may bring new words, as long as its sender likes: a cache keyed by word grows with every one of them
unless it drops the oldest and keeps no long word (the n-grams of a 500-letter made-up word take 90 KB).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import _CacheInfo, lru_cache
from typing import Concatenate, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

WORD_CACHE_SIZE = 4096  # words kept by each cache: the words of the last few hundred questions
CACHED_MAX_CHARS = 32  # a longer word is worked out each time it comes: no real word needs it, made-up ones do


class WordCache(Generic[P, T]):
    """`function(word, ...)` remembered for the last WORD_CACHE_SIZE words of at most CACHED_MAX_CHARS."""

    def __init__(self, function: Callable[Concatenate[str, P], T]) -> None:
        self._function = function
        self._cached = lru_cache(maxsize=WORD_CACHE_SIZE)(function)

    def __call__(self, word: str, *args: P.args, **kwargs: P.kwargs) -> T:
        if len(word) > CACHED_MAX_CHARS:
            return self._function(word, *args, **kwargs)
        # typeshed declares lru_cache's arguments Hashable, which a ParamSpec's keyword arguments cannot be declared.
        return self._cached(word, *args, **kwargs)  # type: ignore[arg-type]

    def cache_info(self) -> _CacheInfo:
        return self._cached.cache_info()
