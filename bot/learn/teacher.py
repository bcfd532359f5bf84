"""Turns members' picks and votes into learned phrasings, and keeps the serving engine in step with the store.

A pick of a suggested or related card, or a 👍, is evidence for (question, card); a 👎 is evidence against. Once
`min_users` distinct users gave evidence for a card and none against, the question is proposed as its phrasing:
live at once with `auto_approve`, else when an admin approves it. `min_users` 👎 stop the card answering it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine

from bot.holder import EngineHolder
from bot.learn.learned import Learned, question_key
from bot.settings import Settings
from bot.store import Platform, Store, StoreUnavailableError
from bot.store import learning as records
from bot.store.learning import Phrasing, State

log = logging.getLogger(__name__)

FOLLOW_SECONDS = 30.0  # how often a process reads the live list: another process (a shard) may have changed it
RETRY_SECONDS = 1.0  # while the store is not open yet


async def learned_in(store: Store, min_users: int) -> Learned:
    """The store's live phrasings, and the questions voted down by `min_users` users on a card."""
    live = await records.phrasings(store, State.LIVE)
    blocked = await records.blocked(store, min_users)
    return Learned.of(((phrasing.card, phrasing.question) for phrasing in live), blocked)


class Teacher:
    def __init__(self, store: Store, holder: EngineHolder, min_users: int = 2, auto_approve: bool = False) -> None:
        self.store = store
        self.holder = holder
        self.min_users = min_users
        self.auto_approve = auto_approve
        self._tasks: set[asyncio.Task[object]] = set()

    async def evidence(
        self, question_id: str | None, user_id: str | int, card_id: str, helpful: bool, platform: Platform
    ) -> Phrasing | None:
        """Record a pick or vote as evidence; the phrasing it proposed, if it did. Raises StoreUnavailableError."""
        if question_id is None:
            return None
        question = await records.question_asked(self.store, question_id)
        card = self.holder.knowledge.cards.get(card_id)
        key = question_key(question or "")
        if question is None or card is None or not key:
            return None
        user = self.store.user_hash(platform, user_id)
        tally = await records.give_evidence(self.store, key, question, card_id, user, helpful)
        if not helpful:
            await records.withdraw(self.store, key, card_id)
            if tally.unhelpful >= self.min_users:
                self.refresh_soon()
            return None
        own = {question_key(phrasing) for phrasing in card.asked}
        if tally.unhelpful or tally.helpful < self.min_users or key in own:
            return None
        state = State.LIVE if self.auto_approve else State.PROPOSED
        phrasing = await records.propose(self.store, key, question, card_id, state)
        if phrasing is not None:
            fields = {"phrasing": phrasing.id, "card": card_id, "state": state.value, "users": tally.helpful}
            log.info("phrasing proposed", extra={"fields": fields})
            if state is State.LIVE:
                self.refresh_soon()
        return phrasing

    async def decide(self, phrasing_id: str, state: State, by: str) -> Phrasing | None:
        """An admin's approval (live) or rejection; the phrasing, or None when it could not move to that state.
        Served from a moment later: the engine is rebuilt in the background (`settled()` waits for it)."""
        phrasing = await records.decide(self.store, phrasing_id, state, by)
        if phrasing is not None:
            log.info("phrasing %s", state.value, extra={"fields": {"phrasing": phrasing_id, "by": by}})
            self.refresh_soon()
        return phrasing

    async def learned(self) -> Learned:
        """The live phrasings and the blocked questions, as the store holds them now."""
        return await learned_in(self.store, self.min_users)

    async def refresh(self) -> bool:
        """Serve what the store holds now; whether anything changed."""
        return await self.holder.learn(await self.learned())

    def refresh_soon(self) -> None:
        """`refresh()` in the background: a click is answered within Discord's 3 s, a rebuild may take longer."""
        self.soon(self.refresh())

    def soon(self, work: Coroutine[object, object, object]) -> None:
        """Run `work` in the background, logging its failure; `settled()` waits for it."""
        task = asyncio.get_running_loop().create_task(_logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait for the work started in the background (and what it started) to finish."""
        while self._tasks:
            await asyncio.gather(*self._tasks)

    async def follow(self, every: float = FOLLOW_SECONDS) -> None:
        """Keep refreshing, for as long as the bot runs: from the store's opening on, and every `every` seconds,
        so that a phrasing approved in another process goes live in this one too."""
        while True:
            wait = every
            try:
                await self.refresh()
            except StoreUnavailableError:
                wait = RETRY_SECONDS
            except Exception:
                log.exception("reading the learned phrasings failed")
            await asyncio.sleep(wait)


@contextlib.asynccontextmanager
async def following(settings: Settings, holder: EngineHolder, store: Store) -> AsyncIterator[Teacher]:
    """The learned phrasings served from the store's opening on, and kept in step while the bot runs."""
    teacher = Teacher(store, holder, settings.learn_min_users, settings.learn_auto_approve)
    task = asyncio.get_running_loop().create_task(teacher.follow(), name="learned-phrasings")
    try:
        yield teacher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _logged(work: Coroutine[object, object, object]) -> object:
    try:
        return await work
    except StoreUnavailableError as error:
        log.warning("learning: not recorded (%s)", error)
    except Exception:
        log.exception("learning failed")
    return None
