"""`/topics`, `/sources` and `/help`: what the bot knows, where it comes from, and how it decides."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.discord import embeds
from bot.discord.send import respond

if TYPE_CHECKING:
    from bot.discord.app import FaqBot

PAGER_TIMEOUT = 300.0


class Pager(discord.ui.View):
    """Previous/next buttons over a list of embeds; the reply is private, so only its reader can turn pages."""

    def __init__(self, pages: list[discord.Embed]) -> None:
        super().__init__(timeout=PAGER_TIMEOUT)
        self.pages = pages
        self.index = 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def _turn(self, interaction: discord.Interaction[Any], step: int) -> None:
        self.index = max(0, min(len(self.pages) - 1, self.index + step))
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label=replies.PREVIOUS, style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Pager]) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label=replies.NEXT, style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction[Any], button: discord.ui.Button[Pager]) -> None:
        await self._turn(interaction, +1)


class Browse(commands.Cog):
    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot

    @app_commands.command(name="topics", description="List the questions I can answer, by topic")
    async def topics(self, interaction: discord.Interaction[FaqBot]) -> None:
        pages = embeds.topic_pages(self.bot.holder.knowledge)
        view = Pager(pages) if len(pages) > 1 else None
        await respond(interaction, embed=pages[0], view=view, ephemeral=True)

    @app_commands.command(name="sources", description="The documents my answers come from")
    async def sources(self, interaction: discord.Interaction[FaqBot]) -> None:
        await respond(interaction, embed=embeds.sources_embed(self.bot.holder.knowledge), ephemeral=True)

    @app_commands.command(name="help", description="What I can do and how I decide to answer")
    async def help(self, interaction: discord.Interaction[FaqBot]) -> None:
        await respond(interaction, embed=embeds.help_embed(), ephemeral=True)


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(Browse(bot))
