"""Learned phrasings from evidence to the serving engine, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.engine import Outcome
from bot.holder import EngineHolder
from bot.learn import learned as learning
from bot.learn.teacher import Teacher
from bot.store import QuestionEvent, Store
from bot.store import learning as records
from bot.store.learning import State
from tests.discord.helpers import FIXTURE_KNOWLEDGE

UNSEEN = "which menu gives me my tags"  # declined on the fixture cards, with `roles` offered


@pytest.fixture
def holder() -> EngineHolder:
    return EngineHolder(FIXTURE_KNOWLEDGE)


def asked(store: Store, question: str, user: int = 1) -> str:
    return store.record_question(QuestionEvent("discord", user, question, None, 10.0, "low_score", guild=7))


async def teach(teacher: Teacher, question: str, card: str, votes: dict[int, bool]) -> list[records.Phrasing]:
    proposed = []
    for user, helpful in votes.items():
        phrasing = await teacher.evidence(asked(teacher.store, question, user), user, card, helpful, "discord")
        proposed += [phrasing] if phrasing else []
    await teacher.settled()
    return proposed


def answer(holder: EngineHolder, question: str) -> learning.Match:
    return learning.answer(holder.engine, holder.learned, question)


async def test_two_users_propose_an_approval_makes_it_live_and_matched(store: Store, holder: EngineHolder) -> None:
    threshold = holder.engine.threshold
    teacher = Teacher(store, holder, min_users=2)
    assert answer(holder, UNSEEN).outcome is Outcome.LOW_SCORE

    assert await teach(teacher, UNSEEN, "roles", {1: True}) == []
    (phrasing,) = await teach(teacher, UNSEEN.upper() + "?", "roles", {2: True})  # the same question, normalized
    assert (phrasing.card, phrasing.state) == ("roles", State.PROPOSED)
    assert answer(holder, UNSEEN).outcome is Outcome.LOW_SCORE  # proposed is not live

    live = await teacher.decide(phrasing.id, State.LIVE, by="admin")
    await teacher.settled()
    assert live is not None
    assert live.state is State.LIVE
    assert live.decided_by == "admin"
    match = answer(holder, "Which menu gives me my tags!")
    assert (match.outcome, match.card and match.card.id, match.score) == (Outcome.ANSWERED, "roles", 100.0)
    assert holder.engine.threshold == threshold  # a learned phrasing never moves the decision
    assert await teacher.decide(phrasing.id, State.LIVE, by="admin") is None  # already live

    assert await teacher.decide(phrasing.id, State.REJECTED, by="admin") is not None
    await teacher.settled()
    assert answer(holder, UNSEEN).outcome is Outcome.LOW_SCORE
    assert await teach(teacher, UNSEEN, "roles", {3: True, 4: True}) == []  # rejected: never proposed again


async def test_auto_approval_makes_a_phrasing_live_at_once(store: Store, holder: EngineHolder) -> None:
    teacher = Teacher(store, holder, min_users=1, auto_approve=True)
    (phrasing,) = await teach(teacher, UNSEEN, "roles", {1: True})
    assert phrasing.state is State.LIVE
    assert [p.id for p in await records.phrasings(store, State.LIVE)] == [phrasing.id]
    assert answer(holder, UNSEEN).card is not None


async def test_a_vote_against_stops_a_proposal_and_enough_block_the_card(store: Store, holder: EngineHolder) -> None:
    teacher = Teacher(store, holder, min_users=2)
    assert await teach(teacher, UNSEEN, "roles", {1: True, 2: False, 3: True}) == []

    title = holder.engine.knowledge.cards["roles"].title
    assert answer(holder, title).card is not None
    await teach(teacher, title, "roles", {1: False})
    assert answer(holder, title).card is not None  # one 👎 of the two needed
    await teach(teacher, title, "roles", {2: False})
    blocked = answer(holder, title)
    assert blocked.outcome is Outcome.LOW_SCORE
    assert blocked.card is None
    assert blocked.suggestions[0].card.id == "roles"  # still offered
    assert answer(holder, "How do I get a role? please").card is not None  # another question is not blocked


async def test_a_user_counts_once_and_a_known_phrasing_is_not_proposed(store: Store, holder: EngineHolder) -> None:
    teacher = Teacher(store, holder, min_users=2)
    assert await teach(teacher, UNSEEN, "roles", {1: True}) == []
    assert await teach(teacher, UNSEEN, "roles", {1: True}) == []  # the same user again
    title = holder.engine.knowledge.cards["roles"].title
    assert await teach(teacher, title, "roles", {1: True, 2: True}) == []  # already the card's own phrasing
    assert await teacher.evidence("no-such-question", 1, "roles", True, "discord") is None
    assert await teacher.evidence(asked(store, UNSEEN), 1, "no-such-card", True, "discord") is None
