"""`/ask`: the question as a slash command, with the known questions offered as you type."""

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

CHOICES_MAX = 25
CHOICE_MAX_CHARS = 100


class Ask(commands.Cog):
    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Ask a question and get the curated answer with its source")
    @app_commands.describe(question="Your question", private="Show the answer to you alone")
    async def ask(self, interaction: discord.Interaction[FaqBot], question: str, private: bool = False) -> None:
        asker = Asker(interaction.user.id, interaction.guild_id, interaction.channel_id, Via.ASK, private=private)
        await deliver.to_interaction(interaction, await self.bot.answerer.ask(question, asker))

    @ask.autocomplete("question")
    async def suggest(self, interaction: discord.Interaction[FaqBot], current: str) -> list[app_commands.Choice[str]]:
        """Titles of the cards closest to what is typed; Discord allows 25 choices of 100 characters."""
        cards = await self.bot.answerer.autocomplete(current, CHOICES_MAX)
        titles = dict.fromkeys(card.title[:CHOICE_MAX_CHARS] for card in cards)
        return [app_commands.Choice(name=title, value=title) for title in titles]


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(Ask(bot))
