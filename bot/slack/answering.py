"""One Slack question's way through the bot: guard, engine, log line, record.

The adapter never scores or decides: it passes plain text in and renders the `Reply` that comes out.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import metrics, replies
from bot.guard import Cooldown, Refusal, check_length
from bot.holder import EngineHolder
from bot.replies import Reply
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)

PLATFORM = "slack"


@dataclass(frozen=True)
class Asker:
    user_id: str
    team_id: str | None
    channel_id: str | None
    via: str  # "ask", "mention", "dm" or "channel"


@dataclass(frozen=True)
class Asked:
    """Refused before the engine, or the engine's reply and the id it was recorded under."""

    refusal: Refusal | None = None
    reply: Reply | None = None
    question_id: str | None = None
    started: float = 0.0

    @property
    def outcome(self) -> str:
        if self.refusal is not None:
            return self.refusal.reason
        return str(self.reply.match.outcome) if self.reply else "error"


class Answerer:
    """Answers, votes and picks; without a store the bot still answers and records nothing."""

    def __init__(self, holder: EngineHolder, settings: Settings, store: Store | None = None) -> None:
        self.holder = holder
        self.store = store
        self.max_chars = settings.question_max_chars
        self.cooldown = Cooldown(settings.cooldown_seconds, settings.cooldown_burst)

    def ask(self, question: str, asker: Asker) -> Asked:
        started = time.perf_counter()
        engine = self.holder.engine  # read once: a reload in between must not mix two knowledge bases
        example = replies.example_question(engine.knowledge)
        refusal = check_length(question, self.max_chars, example) or self.cooldown.hit(asker.user_id)
        if refusal is not None:
            log.info("question refused", extra={"fields": {"via": asker.via, "reason": refusal.reason}})
            return Asked(refusal=refusal, started=started)
        match = engine.answer(question)
        reply = replies.reply_for(match, engine.knowledge)
        question_id = None
        if self.store is not None:
            from bot.store import QuestionEvent

            event = QuestionEvent.of(match, PLATFORM, asker.user_id, asker.team_id, asker.channel_id)
            question_id = self.store.record_question(event)
        fields = {"via": asker.via, "outcome": str(match.outcome), "card": reply.card.id if reply.card else None}
        log.info("question answered" if reply.answered else "question declined", extra={"fields": fields})
        return Asked(reply=reply, question_id=question_id, started=started)

    @staticmethod
    def sent(asked: Asked) -> None:
        """Count the question once its reply is out."""
        metrics.observe_answer(PLATFORM, asked.outcome, time.perf_counter() - asked.started)

    def card(self, card_id: str) -> Reply | None:
        """A card chosen by a button, if it still exists after reloads."""
        knowledge = self.holder.engine.knowledge
        card = knowledge.cards.get(card_id)
        return replies.card_reply(card, knowledge) if card else None

    async def vote(self, question_id: str | None, user_id: str, card_id: str, helpful: bool) -> bool:
        """Record a 👍/👎; False when this user already voted on this card."""
        log.info("feedback", extra={"fields": {"card": card_id, "helpful": helpful}})
        if self.store is None or question_id is None:
            return True
        return await self.store.record_vote(question_id, user_id, card_id, helpful, platform=PLATFORM)

    def pick(self, question_id: str | None, card_id: str) -> None:
        log.info("suggestion picked", extra={"fields": {"card": card_id}})
        if self.store is not None and question_id is not None:
            self.store.record_pick(question_id, card_id)
