"""Questions in messages: a mention of the bot, a direct message, or any question in an answer channel."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.answering import Asker
from bot.discord import deliver
from bot.discord.errors import apologize_to_message

if TYPE_CHECKING:
    from bot.discord.app import FaqBot

QUESTION_WORDS = frozenset(
    "how what why where when who which whom whose can could should would is are do does did will may".split()
)


def looks_like_question(text: str) -> bool:
    """In an answer channel only questions get an answer, not every chat message."""
    words = text.strip().lower().split()
    return bool(words) and (text.rstrip().endswith("?") or words[0].strip(",") in QUESTION_WORDS)


def strip_mention(text: str, user_id: int) -> str:
    return re.sub(rf"<@!?{user_id}>", " ", text).strip()


class Mentions(commands.Cog):
    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self.answer_channels = frozenset(bot.settings.answer_channel_ids)

    def _via(self, message: discord.Message) -> str | None:
        """How the message asks the bot, or None when it does not."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return None
        if message.guild is None:
            return "dm"
        if me in message.mentions:
            return "mention"
        if message.channel.id in self.answer_channels:
            return "channel"
        return None

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        via = self._via(message)
        if via is None:
            return
        me = self.bot.user
        assert me is not None
        question = strip_mention(message.content, me.id)
        if via == "channel" and not looks_like_question(question):
            return
        asker = Asker(message.author.id, message.guild.id if message.guild else None, message.channel.id, via)
        try:
            asked = self.bot.answerer.ask(question, asker)
            if via == "channel" and (asked.reply is None or not asked.reply.answered):
                return  # an answer channel hears only confident answers, never a refusal or a decline
            await deliver.to_message(message, asked)
        except Exception as error:
            await apologize_to_message(message, error, via)


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(Mentions(bot))
