"""The "Find answer" message menu: answer someone else's message, for whoever helps in the channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering import Asker
from bot.discord import deliver
from bot.policy import Via

if TYPE_CHECKING:
    from bot.discord.app import FaqBot

NAME = "Find answer"


class FindAnswer(commands.Cog):
    """Context menus cannot live inside a cog class, so the cog adds and removes its menu itself."""

    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name=NAME, callback=self.find_answer)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def find_answer(self, interaction: discord.Interaction[FaqBot], message: discord.Message) -> None:
        asker = Asker(interaction.user.id, interaction.guild_id, interaction.channel_id, Via.CONTEXT_MENU)
        await deliver.to_interaction(interaction, await self.bot.answerer.ask(message.content, asker))


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(FindAnswer(bot))
