"""Questions in messages: a mention of the bot, a direct message, or any message in an answer channel.

This module only says how a message reached the bot; `bot.policy` decides whether it is answered and how.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.answering import Asker
from bot.discord import deliver
from bot.discord.errors import apologize_to_message
from bot.policy import Via

if TYPE_CHECKING:
    from bot.discord.app import FaqBot


def strip_mention(text: str, user_id: int) -> str:
    return re.sub(rf"<@!?{user_id}>", " ", text).strip()


class Mentions(commands.Cog):
    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self.answer_channels = frozenset(bot.settings.discord_answer_channel_ids)

    def _via(self, message: discord.Message) -> Via | None:
        """How the message asks the bot, or None when it does not."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return None
        if message.guild is None:
            return Via.DM
        if me in message.mentions:
            return Via.MENTION
        if message.channel.id in self.answer_channels:
            return Via.CHANNEL
        return None

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        via = self._via(message)
        if via is None or not self.bot.serves(message.guild.id if message.guild else None):
            return
        me = self.bot.user
        assert me is not None
        question = strip_mention(message.content, me.id)
        asker = Asker(message.author.id, message.guild.id if message.guild else None, message.channel.id, via)
        try:
            await deliver.to_message(message, await self.bot.answerer.ask(question, asker))
        except Exception as error:
            await apologize_to_message(message, error, via)


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(Mentions(bot))
