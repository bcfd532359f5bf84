"""An old engine freed a piece at a time, so freeing it does not take the event loop away.

When the last reference to an engine goes, Python frees its whole graph (cards, dicts of features, tuples of
phrases) in one C call that keeps the GIL: 19 ms at 10,000 cards, about ten times that at 100,000, on whichever
thread dropped it. `release` takes the graph apart in Python instead, which lets other threads run every switch
interval, and pauses now and then so as not to be one more thread always waiting for the GIL. It only takes apart
what nothing else refers to: an object still used elsewhere (a card an answer in flight holds) is left whole to
whoever drops it last, so nothing anyone can see changes.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator

from bot.engine.build_memory import release_free_memory
from bot.in_flight import InFlight

log = logging.getLogger(__name__)

WAIT = 5.0  # seconds to wait for the questions in flight on the old engine to let it go
POLL = 0.01
# Objects taken apart between two pauses: a thread always ready to run makes the loop wait for the GIL behind it too
# (a switch interval each), and freeing an old engine is in no hurry.
SLICE = 1_000
PAUSE = 0.001
OWN_REFERENCES = 2  # ours (a name, or a list's slot) and getrefcount's argument
OURS = "bot."  # only the project's own objects are taken apart, besides the built-in containers


def release(dropped: list[object], in_flight: InFlight | None = None) -> None:
    """Free the one object in `dropped` (the caller keeps no other reference) a piece at a time, between the questions
    `in_flight` counts. Blocking: run it on a thread of its own, once the object was replaced."""
    pending = [dropped.pop()]
    deadline = time.monotonic() + WAIT
    while sys.getrefcount(pending[0]) > OWN_REFERENCES and time.monotonic() < deadline:
        time.sleep(POLL)  # a question in flight still holds it
    if in_flight is not None:
        in_flight.settled()
    paced = _Paced(in_flight)
    try:
        while pending:
            item = pending.pop()
            if sys.getrefcount(item) <= OWN_REFERENCES:  # else used elsewhere too: freed by whoever drops it last
                pending.extend(_taken_apart(item, paced))
            del item
            paced.step()
    except Exception:  # what is left is freed whole, as it would have been
        log.debug("an old engine was not taken apart", exc_info=True)
    # Freed to the C library, which keeps it (a build left it keeping blocks of up to 32 MB): handed back, or the
    # process stays 15-20 MB larger after each one-card reload at 10,000 cards
    release_free_memory()


class _Paced:
    """Counts the objects a release handles and pauses after every SLICE of them, however they are nested, also for
    the questions in flight."""

    def __init__(self, in_flight: InFlight | None) -> None:
        self.count = 0
        self.in_flight = in_flight

    def step(self, objects: int = 1) -> None:
        before, self.count = self.count, self.count + objects
        if before // SLICE != self.count // SLICE:
            time.sleep(PAUSE)
            if self.in_flight is not None:
                self.in_flight.quiet()


def _taken_apart(item: object, paced: _Paced) -> Iterator[object]:
    """The parts of `item` that hold others, each taken out of it: `item` is left a shell that frees nothing else."""
    if isinstance(item, list):
        while item:  # a slice at a time: what holds nothing else in it (strings, numbers) is freed in one call
            part = item[-SLICE:]
            del item[-SLICE:]
            if any(map(_holds_others_type, set(map(type, part)))):
                yield from [value for value in part if _holds_others(value)]
            paced.step(len(part))
    elif isinstance(item, dict):
        yield list(item.values())  # the values and keys then taken apart as lists, the dict left empty
        yield list(item)
        item.clear()
    elif isinstance(item, set | tuple | frozenset):
        yield list(item)  # the set or tuple then frees only itself, and the list is taken apart
        if isinstance(item, set):
            item.clear()
    elif type(item).__module__.startswith(OURS):
        if hasattr(item, "__dict__"):
            attributes = vars(item)
            yield from [value for value in attributes.values() if _holds_others(value)]
            attributes.clear()
        for name in _slots(type(item)):
            if hasattr(item, name):
                yield from _holding(getattr(item, name))
                object.__setattr__(item, name, None)


def _holding(value: object) -> Iterator[object]:
    if _holds_others(value):
        yield value


def _holds_others(value: object) -> bool:
    """Whether freeing `value` whole could free more than a few plain objects: a small tuple of strings and numbers (a
    title and its card) frees only those, in no time."""
    if isinstance(value, tuple | frozenset) and len(value) <= SLICE:
        return any(map(_holds_others_type, set(map(type, value))))
    return _holds_others_type(type(value))


def _holds_others_type(kind: type) -> bool:
    return issubclass(kind, dict | list | set | tuple | frozenset) or kind.__module__.startswith(OURS)


def _slots(kind: type) -> Iterator[str]:
    for klass in kind.__mro__:
        slots = vars(klass).get("__slots__", ())
        names = (slots,) if isinstance(slots, str) else slots
        yield from (name for name in names if not name.startswith("__"))
