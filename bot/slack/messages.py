"""Mentions, direct messages and questions in answer channels, each answered in the asking message's thread.

Messages from bots (this one included), edits, deletions and other subtypes are never answered, nor are
channel messages that do not mention the bot outside the configured answer channels.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import replies
from bot.answering import Answerer, Asker
from bot.slack import blocks
from bot.slack.mrkdwn import plain

log = logging.getLogger(__name__)


def _mention(bot_user_id: str | None) -> re.Pattern[str] | None:
    return re.compile(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>") if bot_user_id else None


def workspace_of(team_id: str | None, channel: str | None) -> str | None:
    """The workspace a question is recorded under: none for a direct message (a `D…` channel), which no workspace's
    report shows, as a Discord DM belongs to no server."""
    return None if channel and channel.startswith("D") else team_id


def is_from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A new message a person wrote: not a bot's, not an edit, a deletion or any other subtype."""
    return (
        isinstance(event.get("user"), str)
        and event.get("user") != bot_user_id
        and not event.get("bot_id")
        and not event.get("subtype")
        and "edited" not in event
        and isinstance(event.get("text"), str)
        and isinstance(event.get("channel"), str)
        and isinstance(event.get("ts"), str)
    )


def channel_message_via(event: dict[str, Any], bot_user_id: str | None, answer_channels: Collection[str]) -> str | None:
    """How a `message` event asks the bot, or None when it is not for the bot.

    A mention is left to the `app_mention` event so it is answered once.
    """
    if not is_from_a_person(event, bot_user_id):
        return None
    if event.get("channel_type") == "im":
        return "dm"
    mention = _mention(bot_user_id)
    mentioned = mention is not None and mention.search(event["text"]) is not None
    if event["channel"] in answer_channels and "thread_ts" not in event and not mentioned:
        return "channel"
    return None


async def answer_in_thread(
    client: AsyncWebClient, answerer: Answerer, event: dict[str, Any], context: AsyncBoltContext, via: str
) -> None:
    """Answer under the asking message; refusals and help go to the asker alone."""
    mention = _mention(context.bot_user_id)
    text = mention.sub(" ", event["text"]) if mention else event["text"]
    question = plain(text).strip()
    channel, user = event["channel"], event["user"]
    thread_ts = event.get("thread_ts") or event["ts"]
    try:
        if question.lower() in {"", "help"}:
            help_message = blocks.help_message(answerer.holder.engine.knowledge)
            await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **help_message.fields())
            return
        asked = answerer.ask(question, Asker(user, workspace_of(context.team_id, channel), channel, via))
        if asked.refusal is not None:
            notice = blocks.notice(asked.refusal.message)
            await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **notice.fields())
        elif asked.reply is not None:
            message = blocks.render(asked.reply, asked.question_id)
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, link_names=False, **message.fields())
        answerer.sent(asked)
    except Exception:
        log.exception("answering a %s failed", via)
        notice = blocks.notice(replies.ERROR)
        await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **notice.fields())


def register(app: AsyncApp, answerer: Answerer, answer_channels: Collection[str]) -> None:
    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        if is_from_a_person(event, context.bot_user_id):
            await answer_in_thread(client, answerer, event, context, "mention")
        else:
            log.debug("mention skipped: not a new message from a person")

    @app.event("message")
    async def on_message(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        via = channel_message_via(event, context.bot_user_id, answer_channels)
        if via is not None:
            await answer_in_thread(client, answerer, event, context, via)
