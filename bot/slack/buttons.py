"""The buttons on answers: 👍/👎 votes (once per user and card), cards picked from suggestions or related, and More…
for the next suggestions."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import replies
from bot.answering import Answerer
from bot.guard import Refusal
from bot.slack import blocks

log = logging.getLogger(__name__)


def _clicker(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id"))


def register(app: AsyncApp, answerer: Answerer) -> None:
    @app.action(blocks.VOTE_UP)
    @app.action(blocks.VOTE_DOWN)
    async def vote(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        card_id, question_id = blocks.parse_value(str(action.get("value", "")))
        user_id = _clicker(body)
        thread_ts = (body.get("message") or {}).get("thread_ts")
        helpful = action.get("action_id") == blocks.VOTE_UP
        others = None
        try:
            thanks = await answerer.vote(question_id, user_id, card_id, helpful)
            # Not this answer: the cards that come next, for the voter to pick the one they meant.
            others = None if helpful else await answerer.offers(question_id, 0, without=card_id)
        except Exception:
            log.exception("recording a vote failed")
            thanks = replies.ERROR
        message = blocks.voted(thanks, others, question_id)
        await respond(response_type="ephemeral", replace_original=False, thread_ts=thread_ts, **message.fields())

    @app.action(blocks.MORE)
    async def more(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
        """The next cards of a decline, to the one who clicked: a click that shows cards spends their cooldown."""
        await ack()
        page, question_id = blocks.parse_more(str(action.get("value", "")))
        thread_ts = (body.get("message") or {}).get("thread_ts")
        try:
            reply = await answerer.more(question_id, page, _clicker(body))
            if isinstance(reply, Refusal):
                message = blocks.notice(reply.message)
            elif not reply.suggestions:
                message = blocks.notice(replies.NO_MORE_CARDS)
            else:
                message = blocks.decline(reply, question_id)
        except Exception:
            log.exception("finding more cards failed")
            message = blocks.notice(replies.ERROR)
        await respond(response_type="ephemeral", replace_original=False, thread_ts=thread_ts, **message.fields())

    @app.action(blocks.CARD_ACTION)
    async def pick(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        """Post the chosen card where the buttons were: in the thread, or in the channel for an ephemeral reply.

        A click costs the clicker's cooldown like a question (`Answerer.card`); a refusal goes to them alone.
        """
        await ack()
        card_id, question_id = blocks.parse_value(str(action.get("value", "")))
        reply = answerer.card(card_id, _clicker(body))
        if isinstance(reply, Refusal):
            await respond(response_type="ephemeral", replace_original=False, **blocks.notice(reply.message).fields())
            return
        if str(action.get("action_id", "")).startswith(blocks.PICK):
            answerer.pick(question_id, card_id, _clicker(body))
        else:
            answerer.teach(question_id, _clicker(body), card_id, helpful=True)  # a related card chosen
        message = blocks.render(reply, question_id)
        container = body.get("container") or {}
        posted = body.get("message") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        if container.get("is_ephemeral") or not posted.get("ts") or not channel:
            await respond(response_type="in_channel", replace_original=False, **message.fields())
            return
        thread_ts = posted.get("thread_ts") or posted["ts"]
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, link_names=False, **message.fields())
