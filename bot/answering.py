"""One question's way through the bot, on any platform and the console: guard, engine, log line, record.

Adapters pass plain text in and render the `Reply` that comes out; they never score or decide.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

from bot import more_cards, policy, replies
from bot.cards import Card
from bot.decline_hint import DeclineHint
from bot.engine import Engine, Outcome
from bot.guard import Cooldown, Refusal, Refused, check_length
from bot.holder import EngineHolder
from bot.learn import learned as learning
from bot.learn.teacher import Teacher
from bot.policy import Result, Verdict, Via
from bot.replies import Reply
from bot.settings import Settings
from bot.store import Platform, QuestionEvent, Store, StoreUnavailableError
from bot.store.learning import question_asked
from bot.visible import visible

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asker:
    """Who asked and where, as ids: enough to rate-limit, log and record without keeping platform objects."""

    user_id: int | str
    guild_id: int | str | None  # the Discord guild or the Slack workspace
    channel_id: int | str | None
    via: Via
    private: bool = False  # the asker chose a reply for them alone (Discord's `/ask private`)


@dataclass(frozen=True)
class Asked:
    """What became of a question: who sees the reply (`policy.verdict`), and the reply itself: a refusal before
    the engine, or the engine's reply (and its record id); neither for a message the bot did not look up."""

    platform: Platform
    started: float
    verdict: Verdict
    question: str  # as read: what is looked up, recorded and echoed
    refusal: Refusal | None = None
    reply: Reply | None = None
    question_id: str | None = None

    @property
    def outcome(self) -> Outcome | Refused:
        """The engine's outcome, or why the question never reached it; asked only of a reply that was sent."""
        if self.refusal is not None:
            return self.refusal.reason
        assert self.reply is not None
        return self.reply.outcome


class Answerer:
    """Answers questions and records votes; the store is optional so the bot also runs without one."""

    def __init__(
        self, holder: EngineHolder, settings: Settings, platform: Platform, store: Store | None = None
    ) -> None:
        self.holder = holder
        self.platform = platform
        self.store = store
        self.max_chars = settings.question_max_chars
        self.hint = DeclineHint.of(settings)
        self.cooldown = Cooldown(settings.cooldown_seconds, settings.cooldown_burst)
        self.teacher = (
            Teacher(store, holder, settings.learn_min_users, settings.learn_auto_approve) if store is not None else None
        )

    @classmethod
    def for_console(cls, holder: EngineHolder, settings: Settings) -> Answerer:
        """The console's: one person at a keyboard, so no cooldown, and no store to record in."""
        return cls(holder, settings.model_copy(update={"cooldown_seconds": 0.0}), "console")

    def reply(self, question: str) -> Reply | Refusal:
        """The reply to a question asked directly (`ask`, `chat`), on this thread: the same guard, engine and reply as
        `ask`, with no audience to choose, nothing to record and no event loop to keep free."""
        question = visible(question)
        engine = self.holder.engine
        return self._refused(question, engine) or self._reply(engine, question)

    def _refused(self, question: str, engine: Engine) -> Refusal | None:
        return check_length(question, self.max_chars, replies.example_question(engine.knowledge))

    def _reply(self, engine: Engine, question: str) -> Reply:
        """The engine's part of a question, pure CPU: `ask` runs it on the holder's worker thread."""
        match = learning.answer(engine, self.holder.learned, question)
        return replies.reply_for(match, engine.knowledge, self.hint)

    async def ask(self, question: str, asker: Asker) -> Asked:
        """Look the question up, record it and decide who sees the reply, as `bot.policy` says for its way in.

        The engine runs on the holder's worker thread; everything else (policy, cooldown, the store's queue) stays on
        the event loop, in the same order as before, so a question spends the cooldown before it is matched."""
        started = time.perf_counter()
        question = visible(question)  # once, for everything that shows it later: an echo, a report
        if not policy.heard(asker.via, question):
            return Asked(self.platform, started, Verdict.SILENT, question)
        engine = self.holder.engine  # read once: a reload in between must not mix two knowledge bases
        refusal = self._refused(question, engine) or self.cooldown.hit(str(asker.user_id))
        if refusal is not None:
            verdict = policy.verdict(asker.via, Result.NOTICE, private=asker.private)
            fields = {"via": asker.via, "reason": refusal.reason, "length": len(question), "reply": verdict.value}
            log.info("question refused", extra={"fields": fields})
            return Asked(self.platform, started, verdict, question, refusal=refusal)
        reply = await self.holder.run(self._reply, engine, question)
        match = reply.match
        assert match is not None  # a reply to a question, not a card picked by hand
        question_id = None
        if self.store is not None and policy.recorded(asker.via, match.outcome):
            event = QuestionEvent.of(match, self.platform, asker.user_id, asker.guild_id, asker.channel_id)
            question_id = self.store.record_question(event)
        verdict = policy.verdict(asker.via, policy.result_of(asker.via, match.outcome), private=asker.private)
        fields = {
            "platform": self.platform,
            "via": asker.via,
            "outcome": match.outcome.value,
            "card": reply.card.id if reply.card else None,
            "score": f"{match.score:.1f}",
            "reply": verdict.value,
            "latency_ms": f"{(time.perf_counter() - started) * 1000:.1f}",
        }
        log.info("question answered" if reply.answered else "question declined", extra={"fields": fields})
        return Asked(self.platform, started, verdict, question, reply=reply, question_id=question_id)

    async def autocomplete(self, typed: str, limit: int) -> list[Card]:
        """The cards whose titles best continue what is typed, matched on the engine's worker thread."""
        engine = self.holder.engine
        return await self.holder.run(engine.autocomplete, typed[: self.max_chars], limit)

    @staticmethod
    def sent(asked: Asked) -> None:
        """Count the question once its reply is out: that latency is what the asker waits for."""
        from bot import metrics  # here: prometheus_client (14 MB) serves a running bot, not `faqbot ask`

        metrics.observe_answer(asked.platform, asked.outcome, time.perf_counter() - asked.started)

    def card(self, card_id: str, user_id: int | str) -> Reply | Refusal:
        """The reply for a card chosen from a button or menu, or why not.

        A click spends the clicker's cooldown as a question does: every click can post a card, so clicking must not
        post faster than asking. A card removed by a reload since the buttons were sent is refused too.
        """
        knowledge = self.holder.knowledge
        card = knowledge.cards.get(card_id)
        refusal = self.cooldown.hit(str(user_id))
        if refusal is None and card is not None:
            return replies.card_reply(card, knowledge)
        refusal = refusal or Refusal(Refused.CARD_GONE, replies.CARD_GONE)
        log.info("click refused", extra={"fields": {"reason": refusal.reason, "card": card_id}})
        return refusal

    async def more(self, question_id: str | None, number: int, user_id: int | str) -> Reply | Refusal:
        """The `number`th page of cards for a declined question (More…), or why not. A click that shows cards spends
        the clicker's cooldown as a question does."""
        refusal = self.cooldown.hit(str(user_id))
        reply = await self.offers(question_id, number) if refusal is None else None
        if reply is None:
            refusal = refusal or Refusal(Refused.CARD_GONE, replies.QUESTION_GONE)
            log.info("click refused", extra={"fields": {"reason": refusal.reason, "question": question_id}})
            return refusal
        return dataclasses.replace(reply, hint=self.hint)  # as the decline it continues

    def page(self, question: str, number: int, without: str | None = None) -> Reply:
        """`offers` for a question asked directly (the console's `more`, and its 👎), on this thread."""
        return more_cards.page(self.holder.engine, self.holder.learned, question, number, without)

    async def offers(self, question_id: str | None, number: int, without: str | None = None) -> Reply | None:
        """A page of the cards worth offering for a recorded question (`bot/more_cards.py`), `without` that card; None
        when the question cannot be read back (no store, not recorded, forgotten, or the store unavailable)."""
        if self.store is None or question_id is None:
            return None
        try:
            question = await question_asked(self.store, question_id)
        except StoreUnavailableError as error:
            log.warning("question not read back: %s", error)
            return None
        if question is None:
            return None
        engine = self.holder.engine
        return await self.holder.run(more_cards.page, engine, self.holder.learned, question, number, without)

    async def vote(self, question_id: str | None, user_id: int | str, card_id: str, helpful: bool) -> str:
        """Record a 👍/👎; what to tell the voter: thanks, already voted on this card, or not recorded (the store is
        degraded: a vote is no reason for an error)."""
        log.info("feedback", extra={"fields": {"card": card_id, "helpful": helpful, "question": question_id}})
        if self.store is None or question_id is None:
            return replies.FEEDBACK_THANKS
        try:
            counted = await self.store.record_vote(question_id, user_id, card_id, helpful, platform=self.platform)
        except StoreUnavailableError as error:
            log.warning("feedback not recorded: %s", error)
            return replies.FEEDBACK_NOT_RECORDED
        self.teach(question_id, user_id, card_id, helpful)
        return replies.FEEDBACK_THANKS if counted else replies.FEEDBACK_ALREADY

    def pick(self, question_id: str | None, card_id: str, user_id: int | str) -> None:
        """A "did you mean" card chosen: recorded for the reports, and evidence for that card on the question."""
        log.info("suggestion picked", extra={"fields": {"card": card_id, "question": question_id}})
        if self.store is not None and question_id is not None:
            self.store.record_pick(question_id, card_id)
        self.teach(question_id, user_id, card_id, True)

    def teach(self, question_id: str | None, user_id: int | str, card_id: str, helpful: bool) -> None:
        """Evidence for (or against) the card on the question, recorded in the background (`bot.learn.teacher`)."""
        if self.teacher is not None and question_id is not None:
            self.teacher.soon(self.teacher.evidence(question_id, user_id, card_id, helpful, self.platform))
