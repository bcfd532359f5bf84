"""`/faq remove <card>` on Slack: a confirmation shown to the admin alone, with Remove and Cancel buttons; Remove
deletes the card's file when the cards left pass the checks (`bot/card_removal.py`, as on Discord), then the cards
reload. The confirmation is replaced by the result, so it cannot be clicked twice.

A click is checked again (`SlackAdmin.refused`), and only the admin who asked can confirm: the buttons carry their
user id and the card's id, so a confirmation still works after a restart.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.admin_replies import (
    CONFIRM_REMOVE,
    NOT_REMOVED,
    NOT_YOURS,
    NOTHING_TO_REMOVE,
    REMOVAL_REFUSED,
    REMOVED,
)
from bot.card_removal import remove_logged
from bot.cards import Card, KnowledgeError
from bot.clip import clip
from bot.slack.admin import FAILED, SlackAdmin, Who, ephemeral, note, reload_message, titled
from bot.slack.blocks import SECTION_MAX_CHARS, Block, Message, button
from bot.slack.cards import shown
from bot.slack.mrkdwn import escape

log = logging.getLogger(__name__)

ACTION = re.compile(r"^faq_remove:(confirm|cancel)$")
REMOVE_WHICH = "Name the card to remove: `/faq remove <card title or id>`."
CONFIRM_DETAIL = "Its file, {path}, is deleted and the cards reload."
CONFIRM_LABEL, CANCEL_LABEL = "Remove", "Cancel"
KEPT = "Kept “{title}”: nothing was removed."


def _button(label: str, action: str, value: str, style: str | None = None) -> dict[str, Any]:
    return button(label, f"faq_remove:{action}", value, style)


def confirmation(card: Card, path: str, admin_user: str) -> Message:
    """The question, what Remove does, and the two buttons; the value names who may confirm and which card."""
    question = escape(CONFIRM_REMOVE.format(title=card.title))
    detail = escape(CONFIRM_DETAIL.format(path=path))
    value = f"{admin_user}:{card.id}"  # a Slack user id has no ':'
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": clip(f"*{question}*", SECTION_MAX_CHARS)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(detail, 2000)}]},
        {
            "type": "actions",
            "elements": [
                _button(CONFIRM_LABEL, "confirm", value, "danger"),
                _button(CANCEL_LABEL, "cancel", value),
            ],
        },
    ]
    return Message(question, blocks)


async def ask_to_remove(admin: SlackAdmin, typed: str, who: Who, respond: AsyncRespond) -> None:
    """The confirmation for the card named, to the admin alone; a card not found gets the closest ones."""
    card = await admin.chosen(typed, REMOVE_WHICH, respond)
    if card is None or card.path is None or who.user is None:
        return
    path = str(shown(admin.answerer.holder.knowledge_dir, card.path))
    await respond(**ephemeral(confirmation(card, path, who.user)))


async def clicked(admin: SlackAdmin, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
    """Remove or Cancel pressed: checked again, then the card removed (or kept) and the confirmation replaced."""
    if await admin.refused(body, respond):
        return
    kind = ACTION.fullmatch(str(action.get("action_id")))
    assert kind is not None  # the listener matched it
    asker, _, card_id = str(action.get("value", "")).partition(":")
    who = Who.of(body)
    if who.user != asker:
        await respond(**ephemeral(note(NOT_YOURS)))
        return
    holder = admin.answerer.holder
    card = holder.knowledge.cards.get(card_id)
    if kind[1] == "cancel":
        await respond(**ephemeral(note(KEPT.format(title=card.title if card else card_id)), replace=True))
        return
    if card is None or card.path is None:
        await respond(**ephemeral(note(NOTHING_TO_REMOVE), replace=True))
        return
    root = holder.knowledge_dir
    try:
        await remove_logged(root, card.path, {**who.fields(), "card": card.id, "path": str(card.path)})
    except KnowledgeError as exc:
        await respond(**ephemeral(titled(REMOVAL_REFUSED, "\n".join(map(str, exc.problems))), replace=True))
        return
    except OSError as exc:
        await respond(**ephemeral(note(NOT_REMOVED.format(reason=exc.strerror or exc)), replace=True))
        return
    result = await holder.reload_off_loop()
    done = REMOVED.format(path=shown(root, card.path))
    await respond(**ephemeral(reload_message(result, len(holder.cards), done), replace=True))


def register(app: AsyncApp, admin: SlackAdmin) -> None:
    @app.action(ACTION)
    async def on_click(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()  # first: removing and reloading can take longer than Slack's three seconds
        try:
            await clicked(admin, body, action, respond)
        except Exception:
            log.exception("/faq remove: a click failed")
            await respond(**ephemeral(note(FAILED)))
