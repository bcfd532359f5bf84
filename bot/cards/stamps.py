"""A card file's stat as far as a change to it shows, and whether a change could still hide behind it.

The card snapshot (`bot/card_snapshot.py`) keys the loaded cards on these, and a reload (`ParseMemo`) reuses what an
unchanged file parsed to.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")

RACY_SECONDS = 2  # a file changed this recently may change again without its stat changing (FAT's clock ticks 2 s)

Stat = tuple[int, int, int, int, int, int]  # size, mtime_ns, ctime_ns, inode, device, mode
NO_STAT: Stat = (0, 0, 0, 0, 0, 0)
Stamp = tuple[str, Stat] | tuple[str, Stat, int] | tuple[str, Stat, Stat, str]  # see `stamp`


def stamp(name: str, path: str, entry: os.DirEntry[str] | None) -> Stamp:
    """A file's stat as far as a change to it shows: `(name, stat)` of a file, `(name, stat of the file it leads
    to, its own stat, its target)` of a link; a file that cannot be stat'ed has the error's number for a stat."""
    try:
        own = entry.stat(follow_symlinks=False) if entry is not None else os.lstat(path)
    except OSError as exc:
        return (name, NO_STAT, exc.errno or 0)
    if not stat.S_ISLNK(own.st_mode):
        return (name, _stat(own))
    try:
        target, leads_to = _stat(os.stat(path)), os.readlink(path)
    except OSError as exc:  # leads nowhere, or no longer a link
        target, leads_to = NO_STAT, str(exc.errno)
    return (name, target, _stat(own), leads_to)


def _stat(result: os.stat_result) -> Stat:
    return (result.st_size, result.st_mtime_ns, result.st_ctime_ns, result.st_ino, result.st_dev, result.st_mode)


def racy(stamped: Stamp, now_ns: int) -> bool:
    """Whether a change made after `now_ns` could leave the stamp as it is: the file (or its link) changed within
    RACY_SECONDS of it, within one tick of some file system's clock."""
    since = now_ns - RACY_SECONDS * 1_000_000_000
    return any(isinstance(part, tuple) and max(part[1:3]) >= since for part in stamped[1:])


class ParseMemo(Generic[T]):
    """What each card file parsed to, kept from one load to the next by its stamp: a reload parses only the files
    that changed (10,000 cards: one file rather than all). A file changed within RACY_SECONDS of its parse is parsed
    again each time until it settles, and one that is gone is forgotten. Not thread-safe: one load at a time (the
    holder reloads one at a time)."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[Stamp, T]] = {}
        self._next: dict[str, tuple[Stamp, T]] = {}
        self._folder = ""
        self._started = 0
        self._given: Mapping[str, Stamp] = {}

    def give(self, stamps: Mapping[str, Stamp]) -> None:
        """The stamps of the card files by path (named as the caller likes), taken just now for the next load, which
        then stats no file again (the card snapshot stamps every file for its key: at 10,000 cards a second pass was
        a tenth of a reload)."""
        self._given = stamps

    def start(self) -> None:
        """A load begins: what it does not parse or reuse is forgotten at `finish`."""
        folder = os.getcwd()  # parsed results name files from it
        if folder != self._folder:
            self._kept, self._folder = {}, folder
        self._next = {}
        self._started = time.time_ns()

    @property
    def empty(self) -> bool:
        """Nothing kept from a load before: every file is to be parsed (a start)."""
        return not self._kept

    def parse(self, path: str, entry: os.DirEntry[str], parse: Callable[[], T]) -> T:
        """What `parse()` makes of the file at `path`, reused while its stamp stays the same."""
        stamped = self._given.get(path) or stamp(path, path, entry)
        kept = self._kept.get(path)
        value = kept[1] if kept is not None and kept[0][1:] == stamped[1:] else parse()  # [0]: the name, `path`'s
        if not racy(stamped, self._started):
            self._next[path] = (stamped, value)
        return value

    def finish(self) -> None:
        self._kept, self._next, self._given = self._next, {}, {}
