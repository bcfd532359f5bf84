"""The servers the bot serves: with DISCORD_ALLOWED_GUILD_IDS set, it leaves any other, when it joins one and at
start-up for those it was added to meanwhile. Anyone can add a public bot to their server; this keeps it to the listed
ones."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

if TYPE_CHECKING:
    from bot.discord.app import FaqBot

log = logging.getLogger(__name__)


class AllowedGuilds(commands.Cog):
    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot
        self.allowed = frozenset(bot.settings.discord_allowed_guild_ids)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        for guild in list(self.bot.guilds):
            await self.leave_unless_allowed(guild)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.leave_unless_allowed(guild)

    async def leave_unless_allowed(self, guild: discord.Guild) -> None:
        if guild.id in self.allowed:
            return
        try:
            await guild.leave()
        except discord.HTTPException as error:
            log.error(
                "could not leave server %s (%s), which is not in DISCORD_ALLOWED_GUILD_IDS: %s",
                guild.id,
                guild.name,
                error,
            )
            return
        log.warning("left server %s (%s): it is not in DISCORD_ALLOWED_GUILD_IDS", guild.id, guild.name)


async def setup(bot: FaqBot) -> None:
    if bot.settings.discord_allowed_guild_ids:
        await bot.add_cog(AllowedGuilds(bot))
