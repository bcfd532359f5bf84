"""The questions being answered, so that work a reload leaves behind runs between them rather than beside them.

Python runs one thread at a time (the GIL). A reload leaves two jobs that can wait: freeing the old engine
(`release.py`) and storing the card snapshot's entry (its pickling, 50-100 ms at 10,000 cards). Run beside a question,
each made it wait a switch interval at a time, and the event loop behind all three: the first question after a card
was removed (no longer an exact phrase, so scored in full) took 60-235 ms instead of 8-12, and the loop waited up to
39 ms. So they wait for a quiet moment: a short grace after the swap (the questions that waited for the reload arrive
within it), then no question in flight, each wait bounded so a steady stream of questions only delays them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

GRACE = 0.05  # seconds after a swap before work that can wait begins: the first questions on the new engine arrive
QUIET_MAX = 1.0  # seconds such work waits for the questions in flight at most, each time it waits


class InFlight:
    """Counts the questions handed to the engine and not yet answered."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def begin(self) -> None:
        with self._changed:
            self._count += 1

    def end(self) -> None:
        with self._changed:
            self._count -= 1
            if not self._count:
                self._changed.notify_all()

    def wake(self) -> None:
        """Wake every `quiet` wait, to look at its `stop` again."""
        with self._changed:
            self._changed.notify_all()

    def quiet(self, most: float = QUIET_MAX, stop: Callable[[], bool] = lambda: False) -> None:
        """Return once no question is in flight, after `most` seconds, or on a `wake` when `stop()` holds."""
        with self._changed:
            self._changed.wait_for(lambda: not self._count or stop(), timeout=most)

    def settled(self, stop: threading.Event | None = None) -> None:
        """After a swap: the grace for the first questions on the new engine, then `quiet` (both ended by `stop`)."""
        stop = stop or threading.Event()
        if not stop.wait(GRACE):
            self.quiet(stop=stop.is_set)


class Deferred:
    """Steps that wait for a quiet moment on a thread of their own, each run once, unless a caller that makes them
    stale first drops them (`drop`)."""

    def __init__(self, steps: list[Callable[[], None]], in_flight: InFlight) -> None:
        self._steps = steps
        self._in_flight = in_flight
        self._now = threading.Event()
        self._running = threading.Lock()

    def drop(self) -> None:
        """The steps the thread has not begun dropped, and the one it has waited for; the thread then ends."""
        self._now.set()
        self._in_flight.wake()
        with self._running:
            self._steps.clear()

    def in_background(self) -> None:
        """For a thread of its own: the steps, once the questions let them."""
        self._in_flight.settled(self._now)
        while True:
            with self._running:
                if self._now.is_set() or not self._steps:
                    return
                self._steps.pop(0)()
