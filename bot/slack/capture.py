""" "Save as FAQ card" on Slack: a message shortcut that opens the new-card form filled in from a member's reply.

The question is the thread's first message when the reply is in a thread, the answer the reply's text, and the
source the reply itself: its permalink, its author's name and channel, and its date. The admin reads the form over
before sending it; the card is written under `cards/captured/` and checked like any other (`bot.slack.cards`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards.typed import clipped
from bot.slack import forms
from bot.slack.admin import FAILED, SlackAdmin, Who, ephemeral, note
from bot.slack.authority import asked
from bot.slack.mrkdwn import plain

log = logging.getLogger(__name__)

CALLBACK_ID = "save_as_faq_card"
NAME = "Save as FAQ card"
FOLDER = "captured"  # under the knowledge folder's cards/
NOT_A_MEMBERS_REPLY = "Save as FAQ card takes a member's reply: this message is the bot's or an app's."
NO_TEXT = "This message has no text to save as an answer."
CHANNEL_LINK = re.compile(r"<#[A-Z0-9]+\|([^<>|]+)>")


def readable(slack_text: str) -> str:
    """A message's text as a card holds it: plain words, a channel link as `#name` (which `plain` shows as its
    name alone), no mention left to ping."""
    return plain(CHANNEL_LINK.sub(r"#\1", slack_text))


async def thread_start(client: AsyncWebClient, channel: str, message: dict[str, Any]) -> str:
    """The text of the message that started the reply's thread; "" for a message in no thread, or unreadable."""
    thread_ts, ts = message.get("thread_ts"), message.get("ts")
    if not thread_ts or thread_ts == ts:
        return ""
    answer = await asked(client.conversations_replies(channel=channel, ts=thread_ts, limit=1), "conversations.replies")
    first = ((answer or {}).get("messages") or [{}])[0]
    return readable(str(first.get("text") or "")) if first.get("ts") == thread_ts else ""


async def author(client: AsyncWebClient, user_id: str | None) -> str:
    """The author's display name, else real name, else user name; their id when Slack will not say."""
    if not user_id:
        return "a member"
    answer = await asked(client.users_info(user=user_id), "users.info")
    user = (answer or {}).get("user") or {}
    profile = user.get("profile") or {}
    return str(profile.get("display_name") or profile.get("real_name") or user.get("name") or user_id)


async def cited_as(client: AsyncWebClient, channel: dict[str, Any], message: dict[str, Any]) -> str:
    """The message as the form's source field reads it: its link, "Name in #channel", a comma and its date."""
    link = await asked(
        client.chat_getPermalink(channel=str(channel.get("id")), message_ts=str(message.get("ts"))), "chat.getPermalink"
    )
    name = await author(client, message.get("user"))
    where = f" in #{channel['name']}" if channel.get("name") else ""
    day = datetime.fromtimestamp(float(message.get("ts") or 0), UTC).date().isoformat()
    permalink = (link or {}).get("permalink")
    return f"{permalink} {name}{where}, {day}" if permalink else ""


async def save_as_card(body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
    message = body.get("message") or {}
    channel = body.get("channel") or {}
    if message.get("bot_id") or message.get("subtype") or not message.get("user"):
        await respond(**ephemeral(note(NOT_A_MEMBERS_REPLY)))
        return
    answer = clipped(readable(str(message.get("text") or "")), forms.TEXT_FIELD_MAX_CHARS)
    if not answer:
        await respond(**ephemeral(note(NO_TEXT)))
        return
    question, source = await asyncio.gather(
        thread_start(client, str(channel.get("id")), message), cited_as(client, channel, message)
    )
    context = forms.Context(NAME, folder=FOLDER, response_url=body.get("response_url"))
    title = clipped(" ".join(question.split()), forms.QUESTION_FIELD_MAX_CHARS)  # the question's field holds one line
    view = forms.add_view(context, title, answer, source)
    log.info("Save as FAQ card: form opened", extra={"fields": {**Who.of(body).fields(), "message": message.get("ts")}})
    await client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: AsyncApp, admin: SlackAdmin) -> None:
    @app.shortcut(CALLBACK_ID)
    async def shortcut(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        try:
            if await admin.refused(body, respond):
                return
            await save_as_card(body, respond, client)
        except Exception:
            log.exception("Save as FAQ card failed")
            await respond(**ephemeral(note(FAILED)))
