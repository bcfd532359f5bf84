"""`/ask <question>`: acknowledged at once, then answered in the channel or to the asker alone, as `bot.policy` says."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import policy, replies
from bot.answering import Answerer, Asker
from bot.policy import Result, Verdict, Via
from bot.slack import blocks
from bot.slack.messages import workspace_of
from bot.slack.mrkdwn import plain

log = logging.getLogger(__name__)

COMMAND = "/ask"


RESPONSE_TYPES = {Verdict.PUBLIC: "in_channel", Verdict.PRIVATE: "ephemeral"}  # a command is never left silent


def register(app: AsyncApp, answerer: Answerer) -> None:
    @app.command(COMMAND)
    async def ask(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()  # first, so Slack's 3-second deadline holds whatever happens next
        question = plain(str(command.get("text") or "")).strip()
        notice = RESPONSE_TYPES[policy.verdict(Via.ASK, Result.NOTICE)]
        try:
            if question.lower() in blocks.HELP_WORDS:
                await respond(response_type=notice, **blocks.help_message(answerer.holder.knowledge).fields())
                return
            channel = command.get("channel_id")
            workspace = workspace_of(command.get("team_id"), channel, command.get("channel_name"))
            asker = Asker(str(command.get("user_id")), workspace, channel, Via.ASK)
            asked = await answerer.ask(question, asker)
            message = blocks.asked_message(asked, quoted=asked.question)
            await respond(response_type=RESPONSE_TYPES[asked.verdict], **message.fields())
            answerer.sent(asked)
        except Exception:
            log.exception("/ask failed")
            await respond(response_type=notice, **blocks.notice(replies.ERROR).fields())
