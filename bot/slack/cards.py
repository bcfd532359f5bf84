"""The card forms sent back (`view_submission`): a new card written, or a card's file edited, checked as `bot check`
checks before anything goes live, then the cards reload.

Slack waits three seconds for the answer to a form. A change checked within `ANSWER_SECONDS` is answered in the form
itself: its problems under their fields (the form stays open with what was typed), or the form closed and the result
said to the admin. A slower check (a large knowledge folder) closes the form at once, and its problems or its result
come as a message to the admin alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import replies
from bot.admin_replies import EDITED, NOT_CHANGED, NOT_SAVED, NOT_WRITTEN, SAVED
from bot.cards import KnowledgeError
from bot.cards.edits import CHANGED, edit_card, read_card_file
from bot.cards.loader import UnreadableError
from bot.cards.typed import draft_of, questions_of
from bot.cards.writer import write_card
from bot.slack import forms
from bot.slack.admin import SlackAdmin, Who, ephemeral, note, reload_message, titled
from bot.slack.authority import REFUSED
from bot.slack.blocks import Message

log = logging.getLogger(__name__)

ANSWER_SECONDS = 2.0  # of Slack's three for answering a form
GONE = "That card is not answering any more (removed or renamed since): nothing to edit."
ADD_FIELDS = ("question", "phrasings", "answer", "tags", "source")
EDIT_FIELDS = ("question", "phrasings", "answer")


def shown(root: Path, path: Path) -> Path:
    """A card file's path as an admin finds it: from the knowledge folder."""
    return path.relative_to(root) if path.is_relative_to(root) else path


class CardForms:
    def __init__(self, admin: SlackAdmin) -> None:
        self.admin = admin
        self.holder = admin.answerer.holder

    async def submitted(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        context = forms.Context.loads(view.get("private_metadata"))
        fields = EDIT_FIELDS if view.get("callback_id") == forms.EDIT else ADD_FIELDS
        if await self.admin.refused(body):
            await ack(response_action="errors", errors={"question": REFUSED})
            return
        who = Who.of(body)
        typed = forms.values(view)
        change = self.edit(context, typed) if fields is EDIT_FIELDS else self.add(context, typed)
        if isinstance(change, str):  # the form itself is wrong: said under its field
            await ack(response_action="errors", errors={"source" if fields is ADD_FIELDS else "answer": change})
            return
        work = asyncio.create_task(asyncio.to_thread(change))
        done, _ = await asyncio.wait({work}, timeout=ANSWER_SECONDS)
        try:
            if done:
                path = work.result()
                await ack()
            else:
                await ack()
                path = await work
        except KnowledgeError as exc:
            log.info("%s refused", context.what, extra={"fields": {**who.fields(), "problems": len(exc.problems)}})
            if done:
                await ack(response_action="errors", errors=forms.errors(exc.problems, fields))
            else:
                await self.tell(context, who, client, titled(NOT_SAVED, "\n".join(map(str, exc.problems))))
            return
        except (OSError, UnreadableError, ValueError) as exc:  # unwritable, or the file gone or changed since
            log.warning("%s could not write the card: %s", context.what, exc, extra={"fields": who.fields()})
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            wording = NOT_CHANGED if fields is EDIT_FIELDS else NOT_WRITTEN
            if done:
                await ack(response_action="errors", errors={"answer": wording.format(reason=reason)})
            else:
                await self.tell(context, who, client, note(wording.format(reason=reason)))
            return
        root = self.holder.knowledge_dir
        verb = "edited" if fields is EDIT_FIELDS else "added"
        changed = {**who.fields(), "card": path.stem, "path": str(path)}
        log.info("card %s from %s", verb, context.what, extra={"fields": changed})
        result = await self.holder.reload_off_loop()
        done_text = (EDITED if fields is EDIT_FIELDS else SAVED).format(path=shown(root, path))
        await self.tell(context, who, client, reload_message(result, len(self.holder.cards), done_text))

    def add(self, context: forms.Context, typed: dict[str, str]) -> Callable[[], Path] | str:
        """The write of the new card the form describes, or what is wrong with the form itself."""
        draft = draft_of(*(typed[field] for field in ADD_FIELDS))
        if isinstance(draft, str):
            return draft
        root = self.holder.knowledge_dir
        return lambda: write_card(root, draft, root / "cards" / context.folder)

    def edit(self, context: forms.Context, typed: dict[str, str]) -> Callable[[], Path] | str:
        """The change of the card's file, refused when the file changed since the form opened."""
        card = self.holder.knowledge.cards.get(context.card or "")
        if card is None or card.path is None:
            return GONE
        root, path = self.holder.knowledge_dir, card.path
        questions = questions_of(typed["question"], typed["phrasings"])

        def change() -> Path:
            current = read_card_file(root, path)
            if forms.digest(current.text) != context.opened:
                raise ValueError(CHANGED)
            edit_card(root, path, current.text, questions, typed["answer"])
            return path

        return change

    async def tell(self, context: forms.Context, who: Who, client: AsyncWebClient, message: Message) -> None:
        """Say a form's result to the admin alone: where the form was asked for, else (no response URL, or one past
        Slack's 30 minutes) in a direct message."""
        if context.response_url:
            sent = await AsyncRespond(response_url=context.response_url)(**ephemeral(message))
            if sent.status_code == 200:
                return
            log.info("a form's response URL answered %s: the result goes by direct message", sent.status_code)
        if who.user:
            await client.chat_postMessage(channel=who.user, link_names=False, **message.fields())


def register(app: AsyncApp, admin: SlackAdmin) -> None:
    card_forms = CardForms(admin)

    @app.view(forms.ADD)
    @app.view(forms.EDIT)
    async def submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        try:
            await card_forms.submitted(ack, body, view, client)
        except Exception:
            log.exception("a card form failed")
            await ack(response_action="errors", errors={"answer": replies.ERROR})
