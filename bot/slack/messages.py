"""Mentions, direct messages and messages in answer channels, each answered in the asking message's thread.

Messages from bots (this one included), edits, deletions and other subtypes are never answered, nor are
channel messages that do not mention the bot outside the configured answer channels. Which of the rest get a
reply, and who sees it, is `bot.policy`'s to say.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Collection
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot import policy, replies
from bot.answering import Answerer, Asker
from bot.policy import Result, Verdict, Via
from bot.slack import blocks
from bot.slack.mrkdwn import plain

log = logging.getLogger(__name__)


def _mention(bot_user_id: str | None) -> re.Pattern[str] | None:
    return re.compile(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>") if bot_user_id else None


PRIVATE_KINDS = frozenset({"im", "mpim", "directmessage"})  # an event's channel_type, or a command's channel_name
CHANNEL_KINDS_KEPT = 4096


def workspace_of(team_id: str | None, channel: str | None, kind: str | None = None) -> str | None:
    """The workspace a question is recorded under: none for a direct or group direct message (a `D…` channel, an
    `im` or `mpim` event, a command from `directmessage` or an `mpdm-…` conversation), which no workspace's report
    shows, as a Discord DM belongs to no server."""
    private = (channel or "").startswith("D") or kind in PRIVATE_KINDS or (kind or "").startswith("mpdm-")
    return None if private else team_id


class ChannelKinds:
    """What kind of conversation a channel is, for events that do not say (an `app_mention` carries no
    `channel_type`): asked of Slack once a channel and remembered. A group direct message must not be recorded under
    the workspace, so a channel Slack will not describe counts as private."""

    def __init__(self, size: int = CHANNEL_KINDS_KEPT) -> None:
        self._kinds: OrderedDict[str, asyncio.Future[str]] = OrderedDict()  # a lookup under way is shared
        self._size = size

    async def of(self, client: AsyncWebClient, channel: str) -> str:
        kind = self._kinds.get(channel)
        if kind is None:
            kind = self._kinds[channel] = asyncio.ensure_future(self._ask(client, channel))
            if len(self._kinds) > self._size:
                self._kinds.popitem(last=False)
        self._kinds.move_to_end(channel)
        return await asyncio.shield(kind)

    @staticmethod
    async def _ask(client: AsyncWebClient, channel: str) -> str:
        try:
            info = (await client.conversations_info(channel=channel)).get("channel") or {}
        except Exception as error:  # a missing scope, a network fault: keep the question out of workspace reports
            log.warning("could not tell what kind of conversation %s is (%s); recording it as private", channel, error)
            return "mpim"
        if info.get("is_im"):
            return "im"
        if info.get("is_mpim"):
            return "mpim"
        return "channel"


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


def channel_message_via(event: dict[str, Any], bot_user_id: str | None, answer_channels: Collection[str]) -> Via | None:
    """How a `message` event reached the bot, or None when it is not for the bot.

    A mention is left to the `app_mention` event so it is answered once.
    """
    if not is_from_a_person(event, bot_user_id):
        return None
    if event.get("channel_type") == "im":
        return Via.DM
    mention = _mention(bot_user_id)
    mentioned = mention is not None and mention.search(event["text"]) is not None
    if event["channel"] in answer_channels and "thread_ts" not in event and not mentioned:
        return Via.CHANNEL
    return None


async def answer_in_thread(
    client: AsyncWebClient,
    answerer: Answerer,
    event: dict[str, Any],
    context: AsyncBoltContext,
    via: Via,
    kinds: ChannelKinds,
) -> None:
    """Answer under the asking message, for everyone in the thread or for the asker alone, as `bot.policy` says."""
    mention = _mention(context.bot_user_id)
    text = mention.sub(" ", event["text"]) if mention else event["text"]
    question = plain(text).strip()
    channel, user = event["channel"], event["user"]
    thread_ts = event.get("thread_ts") or event["ts"]

    async def post(verdict: Verdict, message: blocks.Message) -> None:
        if verdict is Verdict.PUBLIC:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, link_names=False, **message.fields())
        elif verdict is Verdict.PRIVATE:
            await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, **message.fields())

    try:
        if question.lower() in blocks.HELP_WORDS:
            await post(policy.verdict(via, Result.NOTICE), blocks.help_message(answerer.holder.knowledge))
            return
        kind = event.get("channel_type") or await kinds.of(client, channel)
        workspace = workspace_of(context.team_id, channel, kind)
        asked = await answerer.ask(question, Asker(user, workspace, channel, via))
        if asked.verdict is not Verdict.SILENT:
            await post(asked.verdict, blocks.asked_message(asked))
            answerer.sent(asked)
    except Exception:
        log.exception("answering a %s failed", via)
        await post(policy.verdict(via, Result.NOTICE), blocks.notice(replies.ERROR))


def register(app: AsyncApp, answerer: Answerer, answer_channels: Collection[str]) -> None:
    kinds = ChannelKinds()

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        if is_from_a_person(event, context.bot_user_id):
            await answer_in_thread(client, answerer, event, context, Via.MENTION, kinds)
        else:
            log.debug("mention skipped: not a new message from a person")

    @app.event("message")
    async def on_message(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        via = channel_message_via(event, context.bot_user_id, answer_channels)
        if via is not None:
            await answer_in_thread(client, answerer, event, context, via, kinds)
