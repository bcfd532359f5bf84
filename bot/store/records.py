"""What the store keeps: one question asked, and the rows reports read back."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

from bot.engine import Match, Outcome

Platform = Literal["discord", "slack", "console"]
ANSWERED = frozenset({Outcome.ANSWERED.value, Outcome.PARTIAL.value})


@dataclass(frozen=True)
class Scope:
    """One community's records: a Discord server or a Slack workspace. The platform is part of it, so a guild id
    and a team id can never be taken for each other; direct messages belong to no scope."""

    platform: Platform
    guild: str

    def __str__(self) -> str:
        return f"{self.platform} {self.guild}"


@dataclass(frozen=True)
class QuestionEvent:
    """A question as an adapter saw it; the user id is hashed by the store and never written."""

    platform: Platform
    user_id: str | int
    question: str
    card: str | None
    score: float
    outcome: str
    guild: str | int | None = None  # the Discord guild or the Slack workspace; None for a direct message
    channel: str | int | None = None
    asked_at: float = field(default_factory=time.time)

    @classmethod
    def of(
        cls,
        match: Match,
        platform: Platform,
        user_id: str | int,
        guild: str | int | None = None,
        channel: str | int | None = None,
    ) -> QuestionEvent:
        return cls(
            platform=platform,
            user_id=user_id,
            question=match.question,
            card=match.card.id if match.card else None,
            score=float(match.score),
            outcome=str(match.outcome),
            guild=guild,
            channel=channel,
        )


@dataclass(frozen=True)
class QuestionRow:
    id: str
    asked_at: float
    platform: str
    guild: str | None
    channel: str | None
    user_hash: str
    question: str
    card: str | None
    score: float
    outcome: str

    @property
    def answered(self) -> bool:
        return self.outcome in ANSWERED  # a partial answer gave its card too, with a line saying what it lacks


@dataclass(frozen=True)
class VoteRow:
    question_id: str
    user_hash: str
    card: str
    helpful: bool
    reason: str | None
    voted_at: float


@dataclass(frozen=True)
class PickRow:
    question_id: str
    card: str
    picked_at: float
