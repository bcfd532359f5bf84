"""What a cached index is keyed on: everything its build reads, so a change to any of it is another build rather
than a stale index served. The code, data and libraries are found rather than listed, and so are the cards' fields:
a module or a card field added later cannot be forgotten."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from functools import cache
from importlib.metadata import version
from operator import attrgetter, is_
from pathlib import Path

from pydantic import BaseModel

from bot.cards.model import Card
from bot.engine import built
from bot.engine.cache import package_digest, pickled


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
_read_keyed = attrgetter(*KEYED_FIELDS)
PLAIN = frozenset({str, tuple, int, float, bool, type(None)})  # a field of these types is keyed as it is


def _keyed(value: object) -> object:
    """A field as plain data: a mapping as its items, the source (a pydantic model) as its fields' items."""
    if isinstance(value, Mapping):
        return tuple(value.items())
    if isinstance(value, BaseModel):
        return tuple(vars(value).items())
    return value


# The key of the cards a load last made or read back, handed over with the very card objects (`known_key`).
_known: tuple[tuple[Card, ...], bytes] | None = None


def known_key(cards: Sequence[Card], key: bytes) -> None:
    """Hand over `cards_key(cards)` of these card objects, as the card snapshot stored it beside them: the engine
    built on them, unchanged (nothing learned), keys its index cache with it rather than reading every field again
    (10,000 cards: 30 to 60 ms of a start). Only the last cards handed over are kept, until their key is taken: the
    key is as large as the cards' text (4.8 MB at 10,000), not to be held for the life of the process."""
    global _known
    _known = (tuple(cards), key)


def cards_key(cards: Sequence[Card]) -> bytes:
    """Every field of every card the build reads, in the cards' order (a change to any is another build), at a seventh
    of the cost of the cards' repr, which spends most of its time in pydantic's repr of each card's source.

    The key handed over with these same card objects, when it was (`known_key`), taken once. Else it is made: the
    fields read at once, a plain one kept as it is, and a source or mapping many cards share (one citation object a
    place) made plain once (10,000 cards: half the time of looking at each field in turn)."""
    global _known
    known = _known
    if known is not None and len(known[0]) == len(cards) and all(map(is_, known[0], cards)):
        _known = None
        return known[1]
    made: dict[int, tuple[object, object]] = {}  # id → (plain form, the object, kept alive so its id stays its own)

    def plain(value: object) -> object:
        if type(value) in PLAIN:
            return value
        seen = made.get(id(value))
        if seen is None:
            seen = made[id(value)] = (_keyed(value), value)
        return seen[0]

    return pickled([tuple(map(plain, _read_keyed(card))) for card in cards])


def index_key(cards: Sequence[Card], trained_weight: float, calibrated: bool) -> tuple[str, str, bytes]:
    """The key of the index of these cards, with a trained part of this weight, calibrated or not."""
    return _built_by(), repr((trained_weight, built.TRAINED_PHRASES_MAX, calibrated)), cards_key(cards)
