"""Rules every chat adapter applies before asking the engine: a length cap and a per-user cooldown.

What became of a question is one vocabulary from the engine to the adapters' logs, metrics and `ask --json`: the
engine's `Outcome`, or a `Refused` reason when it never reached the engine (`Asked.outcome`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot import replies

TRACKED_USERS_MAX = 50_000


class Refused(StrEnum):
    """Why a question, or a click, is not put to the engine; the values name it in logs, metrics and JSON."""

    EMPTY = "empty"  # nothing to look up: the same word as the engine's Outcome.EMPTY
    TOO_LONG = "too_long"
    COOLDOWN = "cooldown"
    CARD_GONE = "card_gone"  # a clicked card that a reload removed


@dataclass(frozen=True)
class Refusal:
    """Why a question is not put to the engine, as a message for the asker."""

    reason: Refused
    message: str


def check_length(question: str, limit: int, example: str) -> Refusal | None:
    text = question.strip()
    if not text:
        return Refusal(Refused.EMPTY, replies.NOT_A_QUESTION.format(example=example))
    if len(text) > limit:
        return Refusal(Refused.TOO_LONG, replies.TOO_LONG.format(length=len(text), limit=limit))
    return None


class Cooldown:
    """A token bucket per user: `burst` questions at once, then one every `seconds`.

    Keyed by user, never by channel, so one person's flood does not silence anyone else.
    """

    def __init__(self, seconds: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.burst = burst
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # user → (tokens, last update)

    def hit(self, user: str) -> Refusal | None:
        """Spend one question for `user`, or say how long to wait."""
        if self.seconds <= 0:
            return None
        now = self.clock()
        tokens, last = self._buckets.pop(user, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) / self.seconds)
        if tokens < 1.0:
            self._buckets[user] = (tokens, now)
            wait = (1.0 - tokens) * self.seconds
            return Refusal(Refused.COOLDOWN, replies.SLOW_DOWN.format(seconds=max(1.0, wait)))
        self._buckets[user] = (tokens - 1.0, now)
        while len(self._buckets) > TRACKED_USERS_MAX:
            self._buckets.popitem(last=False)
        return None
