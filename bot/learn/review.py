"""An admin's review of the proposed phrasings, a page at a time, from any chat: what a page holds, and what a
decision says back. Discord's and Slack's `/faq learn` render these; neither decides anything itself."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clip import clip
from bot.learn.teacher import Teacher
from bot.store import learning as records
from bot.store.learning import Phrasing, State

log = logging.getLogger(__name__)

QUESTION_SHOWN_MAX_CHARS = 300
TITLE = "Learned phrasings waiting for review ({count})"
NOTHING = "Nothing to review: no phrasing is proposed. Members propose one by picking a card or voting 👍."
EXPLAIN = "Approve to answer the question with the card from now on; `faqbot learn export` writes them into files."
APPROVED = "Approved: {question!r} now answers with {card}."
REJECTED = "Rejected: {question!r} will not be proposed for {card} again."
GONE = "That phrasing was already decided (by someone else, or from the command line)."


@dataclass(frozen=True)
class Proposal:
    number: int  # from 1, counted over every page
    phrasing: Phrasing
    members: int  # how many gave evidence for it


@dataclass(frozen=True)
class Page:
    """One page of the proposals: `page` is the one shown (the last when the one asked for is past it)."""

    proposals: list[Proposal]
    total: int
    page: int
    pages: int


def paginate(proposed: list[Phrasing], tallies: dict[tuple[str, str], records.Tally], page: int, size: int) -> Page:
    """Page `page` (from 0) of the proposals; past the end, the last page."""
    pages = max(1, -(-len(proposed) // size))
    page = min(max(page, 0), pages - 1)
    shown = proposed[page * size : (page + 1) * size]
    proposals = [
        Proposal(number, phrasing, tallies.get((phrasing.key, phrasing.card), records.Tally(0, 0)).helpful)
        for number, phrasing in enumerate(shown, start=page * size + 1)
    ]
    return Page(proposals, len(proposed), page, pages)


async def page_of(teacher: Teacher, page: int, size: int) -> Page:
    """The proposals of page `page` as the store holds them now, oldest first. Raises StoreUnavailableError."""
    proposed = await records.phrasings(teacher.store, State.PROPOSED)
    tallies = await records.tallies(teacher.store, [(p.key, p.card) for p in proposed])
    return paginate(proposed, tallies, page, size)


async def decide(teacher: Teacher, phrasing_id: str, approve: bool, by: str) -> str:
    """Approve or reject a proposal on behalf of `by` (`platform:user`); the line that tells the admin what it did."""
    state = State.LIVE if approve else State.REJECTED
    phrasing = await teacher.decide(phrasing_id, state, by=by)
    if phrasing is None:
        return GONE
    return (APPROVED if approve else REJECTED).format(
        question=clip(phrasing.question, QUESTION_SHOWN_MAX_CHARS), card=phrasing.card
    )
