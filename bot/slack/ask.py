"""`/ask <question>`: acknowledged at once, then answered in the channel; anything else only to the asker."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import replies
from bot.answering import Answerer, Asker
from bot.slack import blocks
from bot.slack.messages import workspace_of
from bot.slack.mrkdwn import plain

log = logging.getLogger(__name__)

COMMAND = "/ask"
HELP_WORDS = frozenset({"", "help", "?"})


def register(app: AsyncApp, answerer: Answerer) -> None:
    @app.command(COMMAND)
    async def ask(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()  # first, so Slack's 3-second deadline holds whatever happens next
        question = plain(str(command.get("text") or "")).strip()
        try:
            if question.lower() in HELP_WORDS:
                await respond(
                    response_type="ephemeral", **blocks.help_message(answerer.holder.engine.knowledge).fields()
                )
                return
            channel = command.get("channel_id")
            asker = Asker(str(command.get("user_id")), workspace_of(command.get("team_id"), channel), channel, "ask")
            asked = answerer.ask(question, asker)
            if asked.refusal is not None:
                await respond(response_type="ephemeral", **blocks.notice(asked.refusal.message).fields())
            elif asked.reply is not None:
                message = blocks.render(asked.reply, asked.question_id, asked=question)
                visibility = "in_channel" if asked.reply.answered else "ephemeral"
                await respond(response_type=visibility, **message.fields())
            answerer.sent(asked)
        except Exception:
            log.exception("/ask failed")
            await respond(response_type="ephemeral", **blocks.notice(replies.ERROR).fields())
