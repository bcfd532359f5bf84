"""The loaded cards kept beside the index cache, keyed on the card files' listing and stat: a restart with no file
changed reads and parses no card (10,000 files: the load was most of a start with the index cache present).

An entry holds what `load_knowledge` returned (the cards, the sources and every problem, warnings included) and the
engine's key of those cards (`index_key.cards_key`, handed over to the engine built on them; None after a reload that
built none, its cards having no index stored under it: made by the engine if one is) under a key made of each file's
path, size, mtime, ctime, inode and device (a link's own stat and target too), the folder as given and resolved, the
working folder (problems name files from it) and the loader's source. Any difference is another key: the cards are
then loaded as always, and that load stored. A file changed within the same tick of its clock after it
was stamped keeps its stat; so the content of a file changed shortly before its entry was made (`stamps.racy`) is
hashed as well, and read again and compared before the entry is used. Like the index cache, an entry is read only
through a restricted unpickler, and any failure costs a load.
"""

from __future__ import annotations

import hashlib
import heapq
import io
import operator
import os
import pickle
import stat
import sys
import time
from collections.abc import Callable, Iterator
from functools import cache
from importlib.metadata import version
from pathlib import Path, PurePath
from typing import Any, TypeVar

from bot.cards import Problem, load_knowledge
from bot.cards.loader import FILE_MAX_BYTES, CardMemo, card_entries
from bot.cards.model import Card, KnowledgeBase, Source
from bot.cards.stamps import Stamp, racy, stamp
from bot.engine.cache import (
    MIN_ENTRY_BYTES,
    MISS,
    Unpickler,
    entry_path,
    flush,
    package_digest,
    pickled,
    read_entry,
    source_digest,
    store_entry,
)
from bot.engine.index_key import cards_key, known_key

NAME = "cards"
FORMAT = 2  # bump when the layout of an entry changes
ENTRY_BYTES_PER_FILE_BYTE = 16  # several times what a loaded card takes for each byte of its file

T = TypeVar("T")
# A load's entry stored (the argument: with the engine's key of its cards, for an engine built on them next)
Store = Callable[[bool], None]
SORT_SLICE = 10_000  # paths sorted in one call: a few milliseconds


class _CardsUnpickler(Unpickler):
    """The index cache's unpickler, allowing the loaded cards' own classes too."""

    ALSO = frozenset(
        {
            ("bot.cards.model", "Card"),
            ("bot.cards.model", "CardSource"),
            ("bot.cards.model", "Source"),
            ("bot.cards.loader", "Problem"),
            ("pathlib", "PosixPath"),
            ("pathlib", "WindowsPath"),
            ("_operator", "truediv"),  # a path, its folder joined with its name
        }
    )


def load_cards(
    root: Path, cache_dir: Path | None, memo: CardMemo | None = None, later: list[Store] | None = None
) -> tuple[KnowledgeBase, list[Problem]]:
    """What `load_knowledge(root)` returns, read back from `cache_dir` when no file it read has changed since (else
    loaded, with `memo` giving back the files unchanged since the last load with it, and the load stored).

    With `later`, the load's entry is made and stored by the step put there, for the caller to run once the cards
    serve: at 10,000 cards the engine's key of the cards and the entry's pickling were a fifth of a one-card reload.
    The key is made only when the caller builds an engine on the cards next: a reload laid over the serving build
    stores no index under it, and a restart that finds one (the same cards built before) makes it then."""
    if cache_dir is None or not root.is_dir():
        return load_knowledge(root, memo=memo)
    by_path = dict(_stamps(root))
    stamps = list(by_path.values())
    if memo is not None:
        memo.give(by_path)
    path = entry_path(cache_dir, NAME, [_environment(root), pickled(stamps)])
    flush()  # an entry this process is still writing is read once it is whole
    size = sum(stamp[1][0] for stamp in stamps)  # of the files links lead to
    stored = read_entry(path, MIN_ENTRY_BYTES + ENTRY_BYTES_PER_FILE_BYTE * size, _CardsUnpickler)
    if stored is not MISS and (loaded := _valid(stored, root)) is not None:
        return loaded
    now = time.time_ns()
    hashed = {stamped_file[0]: _content(root / stamped_file[0]) for stamped_file in stamps if racy(stamped_file, now)}
    knowledge, problems = load_knowledge(root, memo=memo)
    cards = list(knowledge.cards.values())

    def store(keyed: bool) -> None:
        key = None
        if keyed:
            key = cards_key(cards)  # the engine's key of these cards, made once: the engine built next takes it over
            known_key(cards, key)
        store_entry(path, (FORMAT, dict(knowledge.sources), cards, problems, hashed, key), _pickled)

    if later is None:
        store(True)
    else:
        later.append(store)
    return knowledge, problems


class _Pickler(pickle.Pickler):
    """Each object and class once (many cards share a few classes: without a memo every card names its classes
    again, and the unpickler looks each up), and a path as its folder joined with its name, each folder once: made
    from its string, each card's path was a third of reading the cards back (10,000 of them: 55 ms, joined 22 ms)."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._folders: dict[PurePath, PurePath] = {}  # one object a folder, so the memo writes each once

    def reducer_override(self, obj: object) -> Any:
        if isinstance(obj, PurePath):
            if obj.name:
                folder = self._folders.setdefault(obj.parent, obj.parent)
                return operator.truediv, (folder, obj.name)
            return type(obj), (str(obj),)
        return NotImplemented


def _pickled(value: object) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer).dump(value)
    return buffer.getvalue()


def _valid(stored: object, root: Path) -> tuple[KnowledgeBase, list[Problem]] | None:
    """The stored load when it has the entry's shape and its racy files still hold what was loaded."""
    if not (isinstance(stored, tuple) and len(stored) == 6 and stored[0] == FORMAT):
        return None
    _, sources, cards, problems, hashed, key = stored
    shaped = (
        isinstance(sources, dict)
        and all(isinstance(source, Source) for source in sources.values())
        and isinstance(cards, list)
        and all(isinstance(card, Card) for card in cards)
        and isinstance(problems, list)
        and all(isinstance(problem, Problem) for problem in problems)
        and isinstance(hashed, dict)
        and isinstance(key, bytes | None)
    )
    if not shaped or any(_content(root / name) != digest for name, digest in hashed.items()):
        return None
    if key is not None:
        known_key(cards, key)
    return KnowledgeBase(sources, {card.id: card for card in cards}), problems


def _stamps(root: Path) -> Iterator[tuple[str, Stamp]]:
    """sources.yaml's stamp, then each card file's, by path (relative to `root`), each with the file's path."""
    sources = str(root / "sources.yaml")
    yield sources, stamp("sources.yaml", sources, None)
    start = len(str(root)) + 1
    for entry in sorted_in_slices(list(card_entries(root)), lambda entry: entry.path):
        yield entry.path, stamp(entry.path[start:], entry.path, entry)


def sorted_in_slices(items: list[T], key: Callable[[T], str], size: int = SORT_SLICE) -> Iterator[T]:
    """`sorted(items, key=key)`, as slices sorted apart and merged: one sort of 100,000 paths kept the GIL 156 ms, the
    event loop's lag during a reload; a slice's sort keeps it a few. The merge costs more in all, so a list of one
    slice is sorted whole."""
    if len(items) <= size:
        return iter(sorted(items, key=key))
    slices = [sorted(items[start : start + size], key=key) for start in range(0, len(items), size)]
    return heapq.merge(*slices, key=key)


def _content(path: Path) -> str | None:
    """A hash of a regular file's bytes (followed through links), None for anything else: nothing here can block
    or read without end, as the loader cannot."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(handle, "rb") as file:
        try:
            if not stat.S_ISREG(os.fstat(handle).st_mode):
                return None
            return hashlib.blake2b(file.read(FILE_MAX_BYTES + 1), digest_size=16).hexdigest()
        except OSError:
            return None


def _environment(root: Path) -> bytes:
    """What else a load depends on: the folder as given and as resolved (the cards' paths, a moved link), the working
    folder (problems name files relative to it), the loader's code and its libraries."""
    try:
        resolved: tuple[str, ...] = (str(root.resolve()), str((root / "cards").resolve()), os.getcwd())
    except (OSError, RuntimeError):  # a loop of links, or a deleted working folder: stamped as such
        resolved = ("unresolved",)
    return pickled((FORMAT, str(root), resolved, _loader_code()))


@cache
def _loader_code() -> str:
    """Every file of the cards package, found rather than listed (as the engine's key finds its own), the text
    cleaning it reads cards through, the code of the engine's key of the cards an entry keeps, and the libraries that
    parse and validate them."""
    cards_package = Path(sys.modules["bot.cards"].__file__ or "").parent
    libraries = version("pydantic") + version("pyyaml")
    code = source_digest(sys.modules["bot.visible"], sys.modules["bot.engine.index_key"])
    return package_digest(cards_package) + code + libraries
