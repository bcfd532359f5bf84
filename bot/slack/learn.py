"""`/faq learn` on Slack: the phrasings members taught the bot, a page at a time, each with Approve and Reject.

A click is checked again (`SlackAdmin.refused`): the list may be seen by someone who is no admin any more. After a
decision or a page turn the list is shown again as the store holds it now, in place of the old one.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.admin_replies import NO_STORE, STORE_DEGRADED
from bot.answering import Answerer
from bot.clip import clip
from bot.learn import review
from bot.slack.admin import FAILED, SlackAdmin, Who, ephemeral, note
from bot.slack.blocks import SECTION_MAX_CHARS, Block, Message, button
from bot.slack.mrkdwn import escape
from bot.store import StoreUnavailableError

log = logging.getLogger(__name__)

PAGE_SIZE = 5  # three blocks each, with room for the heading and the page buttons
ACTION = re.compile(r"^faq_learn:(approve|reject|previous|next)$")
PHRASING = re.compile(r"^([0-9a-f]{10}):(\d{1,6})$")  # a phrasing's id, and the page it was shown on


def _button(label: str, action: str, value: str, style: str | None = None) -> dict[str, Any]:
    return button(label, f"faq_learn:{action}", value, style)


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_MAX_CHARS)}}


def render(shown: review.Page, said: str | None = None) -> Message:
    """One page of proposals: each with its buttons, the page buttons when there is more than one page."""
    title = review.TITLE.format(count=shown.total)
    blocks: list[Block] = [_section(f"*{escape(title)}*")]
    if said:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(escape(said), 2000)}]})
    for proposal in shown.proposals:
        phrasing = proposal.phrasing
        quoted = escape(clip(phrasing.question, review.QUESTION_SHOWN_MAX_CHARS).replace("`", "'"))
        blocks.append(
            _section(f"*{proposal.number}.* {quoted} → `{escape(phrasing.card)}` ({proposal.members} members)")
        )
        value = f"{phrasing.id}:{shown.page}"
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    _button(f"Approve {proposal.number}", "approve", value, "primary"),
                    _button(f"Reject {proposal.number}", "reject", value, "danger"),
                ],
            }
        )
    blocks.append(_section(escape(review.EXPLAIN if shown.proposals else review.NOTHING)))
    if shown.pages > 1:
        turns = [("Previous", "previous", shown.page - 1), ("Next", "next", shown.page + 1)]
        elements = [_button(label, action, str(page)) for label, action, page in turns if 0 <= page < shown.pages]
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"page {shown.page + 1} of {shown.pages}"}]}
        )
        blocks.append({"type": "actions", "elements": elements})
    return Message(escape(title), blocks)


async def show(
    answerer: Answerer, respond: AsyncRespond, page: int, said: str | None = None, replace: bool = False
) -> None:
    """The page of proposals, to the admin alone; in place of the list clicked on when `replace`."""
    teacher = answerer.teacher
    if teacher is None:
        await respond(**ephemeral(note(NO_STORE)))
        return
    try:
        shown = await review.page_of(teacher, page, PAGE_SIZE)
    except StoreUnavailableError as error:
        log.warning("/faq learn: %s", error)
        await respond(**ephemeral(note(STORE_DEGRADED)))
        return
    await respond(**ephemeral(render(shown, said), replace=replace))


def register(app: AsyncApp, admin: SlackAdmin) -> None:
    @app.action(ACTION)
    async def clicked(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        try:
            if await admin.refused(body, respond):
                return
            kind = ACTION.fullmatch(str(action.get("action_id")))
            value = str(action.get("value", ""))
            assert kind is not None  # the listener matched it
            said = None
            if kind[1] in ("previous", "next"):
                page = int(value) if value.isdigit() else 0
            else:
                target = PHRASING.fullmatch(value)
                teacher = admin.answerer.teacher
                page = int(target[2]) if target else 0
                if target is not None and teacher is not None:  # without a store, `show` says there is none
                    who = Who.of(body)
                    said = await review.decide(teacher, target[1], kind[1] == "approve", by=f"slack:{who.user}")
                    fields = {**who.fields(), "phrasing": target[1], "action": kind[1]}
                    log.info("/faq learn decision", extra={"fields": fields})
            await show(admin.answerer, respond, page, said, replace=True)
        except StoreUnavailableError as error:
            log.warning("/faq learn: %s", error)
            await respond(**ephemeral(note(STORE_DEGRADED)))
        except Exception:
            log.exception("/faq learn: a click failed")
            await respond(**ephemeral(note(FAILED)))
