"""`faqbot eval --learn`: what learned phrasings do for an eval set, and what they cost the other sets.

The set is asked twice by simulated members. In round one each member picks the right card when the bot offers it
("did you mean", or a related card under a wrong answer) and votes 👍 on a right answer, with LEARN_MIN_USERS=1 and
auto-approval, through the same teacher, store and engine holder as the bot. A member who does not see the card
asks once for more, as the bot lets them: on a decline they press More… (the next three cards), on a wrong answer
they vote 👎 (evidence against it) and look at the other cards the bot then offers; they pick the card from those.
Round two asks it again as other members. The other eval sets of the knowledge folder are then measured before and
after learning: learned phrasings must not make the bot answer what it should decline.

Everything is learned into a store in memory: nothing learned from an eval set reaches a file or the bot's store.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot import more_cards
from bot.engine import Engine, Match
from bot.evaluation import EvalReport, EvalSet, run_eval
from bot.holder import EngineHolder
from bot.learn import learned as learning
from bot.learn.learned import Learned
from bot.learn.teacher import Teacher
from bot.settings import Settings
from bot.store import QuestionEvent, Store
from bot.store.database import SQLITE_MEMORY, SqliteDatabase
from bot.store.migrations import migrate

IN_SCOPE_TARGET = 0.97  # round two
DECLINE_DROP_MAX = 0.01  # out-of-scope recall of every other set


@dataclass(frozen=True)
class Replay:
    path: Path
    round_one: EvalReport
    round_two: EvalReport
    learned: int
    others: list[tuple[Path, EvalReport, EvalReport]]  # (set, before, after)

    @property
    def passed(self) -> bool:
        return self.round_two.in_scope_accuracy >= IN_SCOPE_TARGET and all(
            before.out_of_scope_recall - after.out_of_scope_recall <= DECLINE_DROP_MAX + 1e-9
            for _, before, after in self.others
        )


def chose(match: Match, card_id: str, engine: Engine) -> bool:
    """Whether a member who wanted this card gets it from the reply: answered with it (a 👍), offered it as "did you
    mean", or shown it under the answer given (a related card, or a runner-up: `bot/engine/offers.py`)."""
    if match.card is not None and (
        match.card.id == card_id or card_id in engine.knowledge.cards[match.card.id].related
    ):
        return True
    return any(suggestion.card.id == card_id for suggestion in match.suggestions)


def asked_further(match: Match, card_id: str, engine: Engine, learned: Learned) -> tuple[bool, str | None]:
    """What a member who wanted this card and did not see it does, once, as the bot lets them: on a wrong answer a 👎
    and a look at the other cards the bot then offers; on a decline with more cards, More…. Whether the card was
    among those shown, and the card voted down (None when none was)."""
    if match.answered and match.card is not None and match.card.id != card_id:
        shown = more_cards.page(engine, learned, match.question, 0, without=match.card.id)
        return card_id in {card.id for card in shown.suggestions}, match.card.id
    if not match.answered and match.more:
        shown = more_cards.page(engine, learned, match.question, 1)
        return card_id in {card.id for card in shown.suggestions}, None
    return False, None


class Members:
    """Asks as a new member each time, and teaches the bot when the reply leads to the card wanted. Called from a
    worker thread (`run_eval` is blocking); the store and the holder's reloads run on the event loop."""

    def __init__(self, name: str, teacher: Teacher, eval_set: EvalSet, loop: asyncio.AbstractEventLoop) -> None:
        self.name = name
        self.teacher = teacher
        self.wanted = {case.question: case.card for case in eval_set.in_scope}
        self.loop = loop
        self.count = itertools.count(1)

    def answer(self, question: str) -> Match:
        holder = self.teacher.holder
        engine = holder.engine
        learned = holder.learned
        match = learning.answer(engine, learned, question)
        card_id = self.wanted.get(question)
        if card_id is None:
            return match
        found, voted_down = (
            (True, None) if chose(match, card_id, engine) else asked_further(match, card_id, engine, learned)
        )
        if found or voted_down is not None:
            member = f"{self.name}-{next(self.count)}"
            taught = self._teach(question, card_id if found else None, voted_down, member)
            asyncio.run_coroutine_threadsafe(taught, self.loop).result()
        return match

    async def _teach(self, question: str, card_id: str | None, voted_down: str | None, member: str) -> None:
        event = QuestionEvent("console", member, question, None, 0.0, "replayed")
        question_id = self.teacher.store.record_question(event)
        if voted_down is not None:
            await self.teacher.evidence(question_id, member, voted_down, False, "console")
        if card_id is not None:
            await self.teacher.evidence(question_id, member, card_id, True, "console")
        await self.teacher.settled()  # live before the next question, as the bot makes it


def other_sets(knowledge_dir: Path, path: Path) -> list[tuple[Path, EvalSet]]:
    """Every other eval set in the knowledge folder (its YAML files but `sources.yaml`)."""
    found = []
    for other in sorted(knowledge_dir.glob("*.yaml")):
        if other.name != "sources.yaml" and other.resolve() != path.resolve():
            eval_set, _ = EvalSet.load(other)
            if eval_set is not None:
                found.append((other, eval_set))
    return found


@contextlib.contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """No line for each of the hundred phrasings that go live and the reloads they make: the figures are the point."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


async def replay(settings: Settings, path: Path, eval_set: EvalSet) -> Replay:
    with _quiet("bot.holder", "bot.learn.teacher", "bot.store.migrations"):
        return await _replay(settings, path, eval_set)


async def _replay(settings: Settings, path: Path, eval_set: EvalSet) -> Replay:
    holder = EngineHolder.for_settings(settings)
    holder.cache_dir = None  # each taught engine is thrown away: not worth an index cache entry
    before = holder.engine
    db = await SqliteDatabase.open(Path(SQLITE_MEMORY))
    await migrate(db)
    async with Store(db, secrets.token_bytes(16)) as store:
        teacher = Teacher(store, holder, min_users=1, auto_approve=True)
        loop = asyncio.get_running_loop()
        round_one = await asyncio.to_thread(run_eval, eval_set, Members("first", teacher, eval_set, loop))
        round_two = await asyncio.to_thread(run_eval, eval_set, Members("second", teacher, eval_set, loop))
        learned = sum(map(len, holder.learned.phrasings.values()))
    others = [
        (other, run_eval(other_set, before), run_eval(other_set, holder.engine))
        for other, other_set in other_sets(settings.knowledge_dir, path)
    ]
    return Replay(path, round_one, round_two, learned, others)


def _figures(report: EvalReport) -> str:
    return (
        f"in-scope {report.in_scope_accuracy:6.1%} ({report.in_scope_correct}/{report.in_scope_total})   "
        f"out-of-scope recall {report.out_of_scope_recall:6.1%} "
        f"({report.out_of_scope_declined}/{report.out_of_scope_total})"
    )


def format_replay(result: Replay) -> str:
    lines = [
        f"learning from {result.path} (LEARN_MIN_USERS=1, auto-approved, a store in memory)",
        f"round one   {_figures(result.round_one)}",
        f"            {result.learned} phrasing(s) learned",
        f"round two   {_figures(result.round_two)}   (other members, the same questions)",
    ]
    if result.others:
        lines.append("the other sets, before and after learning:")
    for other, before, after in result.others:
        change = round((after.out_of_scope_recall - before.out_of_scope_recall) * 100, 1) + 0.0  # never "-0.0"
        lines += [
            f"  {other}",
            f"    before  {_figures(before)}",
            f"    after   {_figures(after)}   (declines {change:+.1f} points)",
        ]
    if result.passed:
        lines.append("\nPASS")
    elif result.others:
        lines.append("\nFAIL: round two under 97% in scope, or another set's declines down over 1 point")
    else:
        lines.append("\nFAIL: round two under 97% in scope (no other set in this knowledge folder to compare)")
    return "\n".join(lines)
