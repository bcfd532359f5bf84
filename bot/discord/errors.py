"""What happens when a handler fails: the error is logged with its context and the user gets a short apology."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot import policy, replies
from bot.discord.send import reply, respond
from bot.policy import Result, Verdict, Via

log = logging.getLogger(__name__)


class Refused(app_commands.CheckFailure):
    """A check that said no: not a fault, so the user reads why (privately) rather than an apology."""


def _context(interaction: discord.Interaction[Any]) -> dict[str, Any]:
    return {
        "interaction": interaction.id,
        "type": interaction.type.name if interaction.type else None,
        "user": interaction.user.id if interaction.user else None,
        "guild": interaction.guild_id,
        "channel": interaction.channel_id,
    }


def log_failure(error: BaseException, what: str, context: dict[str, Any]) -> None:
    log.error("handler failed", exc_info=error, extra={"fields": {"what": what, **context}})


async def apologize(interaction: discord.Interaction[Any], error: BaseException, what: str) -> None:
    """Log the failure, then tell the user; a failure to apologize is logged too, never raised."""
    fields = _context(interaction)
    log_failure(error, what, fields)
    try:
        await respond(interaction, content=replies.ERROR, ephemeral=True)
    except discord.HTTPException as http_error:
        log.warning("could not send the apology: %s", http_error, extra={"fields": fields})


async def apologize_to_message(message: discord.Message, error: BaseException, via: Via) -> None:
    """Log the failure, then tell the asker, unless the policy keeps the bot silent there (an answer channel)."""
    fields = {"message": message.id, "channel": message.channel.id, "user": message.author.id}
    log_failure(error, via, fields)
    if policy.verdict(via, Result.NOTICE) is Verdict.SILENT:
        return
    try:
        await reply(message, content=replies.ERROR)
    except discord.HTTPException as http_error:
        log.warning("could not send the apology: %s", http_error, extra={"fields": fields})


async def on_app_command_error(interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
    """The command tree's error handler: every slash command and context menu ends here when it raises."""
    if isinstance(error, Refused):
        log.info("command refused", extra={"fields": {**_context(interaction), "why": str(error)}})
        await respond(interaction, content=str(error), ephemeral=True)
        return
    command = interaction.command.qualified_name if interaction.command else "unknown command"
    cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    await apologize(interaction, cause, command)
