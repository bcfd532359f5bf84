"""`/faq`: what went unanswered, feedback, statistics, reloading the cards and adding, editing or removing one, for
the server's admins.

Registered with default member permissions Manage Server, so Discord offers the commands only to members who have
it; but a server can grant them to anyone under Server Settings → Integrations, and defaults do not apply in direct
messages, so every admin interaction is checked again when it runs. Every reply is ephemeral, since reports quote
what members asked, and a report reads only the records of the server it is run in.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import reports
from bot.admin_replies import CARD_PROBLEMS, NO_STORE, RELOAD_REFUSED, RELOADED, RELOADED_WITHOUT, STORE_DEGRADED
from bot.admin_replies import REPORT_TITLES as TITLES
from bot.clip import clip
from bot.discord.embeds import DESCRIPTION_MAX_CHARS, TITLE_MAX_CHARS
from bot.discord.errors import Refused
from bot.discord.send import respond
from bot.holder import Reload
from bot.settings import REPORT_DAYS
from bot.store import Scope, StoreUnavailableError

if TYPE_CHECKING:
    from bot.discord.app import FaqBot

log = logging.getLogger(__name__)

DAYS_MAX = 365
FENCE = "```"
NOT_IN_DMS = (
    "The /faq commands and Save as FAQ card are for a server's admins: run them in your server, not in a direct "
    "message."
)
NEEDS_MANAGE_SERVER = "Only members with the Manage Server permission can use /faq and Save as FAQ card."
REPORT_COLOUR = discord.Colour.blurple()
OK_COLOUR = discord.Colour.green()
LEFT_OUT_COLOUR = discord.Colour.orange()
REFUSED_COLOUR = discord.Colour.red()

Days = app_commands.Range[int, 1, DAYS_MAX]


def refusal(interaction: discord.Interaction[Any]) -> str | None:
    """Why this member may not run an admin action here (None: they may), as Discord reports the member's permissions
    in the interaction itself, whatever the server's command settings allow; every admin interaction asks again,
    since a form sent or a button clicked is an interaction of its own."""
    if interaction.guild_id is None:
        return NOT_IN_DMS
    if not interaction.permissions.manage_guild:
        return NEEDS_MANAGE_SERVER
    return None


def admins_only(interaction: discord.Interaction[Any]) -> bool:
    """An app command check: the refusal, if any, is what the member reads (`Refused`)."""
    if why := refusal(interaction):
        raise Refused(why)
    return True


def code_block(text: str) -> str:
    """Text in a code block (columns stay aligned), cut to fit an embed; members' text cannot close the block."""
    safe = clip(text.replace(FENCE, "'''"), DESCRIPTION_MAX_CHARS - 2 * len(FENCE) - 2)
    return f"{FENCE}\n{safe}\n{FENCE}"


def report_embed(report: reports.Report) -> discord.Embed:
    return discord.Embed(
        title=TITLES[report.kind], description=code_block(reports.format_text(report)), colour=REPORT_COLOUR
    )


def reload_embed(result: Reload, cards: int) -> discord.Embed:
    if not result.problems:
        return discord.Embed(title=RELOADED.format(cards=cards), colour=OK_COLOUR)
    listing = code_block("\n".join(str(problem) for problem in result.problems))
    if not result.refused:
        title = RELOADED_WITHOUT.format(cards=cards)
        return discord.Embed(title=clip(title, TITLE_MAX_CHARS), description=listing, colour=LEFT_OUT_COLOUR)
    return discord.Embed(title=clip(RELOAD_REFUSED, TITLE_MAX_CHARS), description=listing, colour=REFUSED_COLOUR)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(
    commands.GroupCog, group_name="faq", group_description="Admin: what went unanswered, feedback, reload, the cards"
):
    def __init__(self, bot: FaqBot) -> None:
        self.bot = bot

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:  # as Cog declares it
        """Run before every command of the cog: the asker must hold Manage Server where it is run."""
        return admins_only(interaction)

    @app_commands.command(name="unanswered", description="The most asked questions the bot declined")
    @app_commands.describe(days=f"How many days back (default {REPORT_DAYS})")
    async def unanswered(self, interaction: discord.Interaction[FaqBot], days: Days = REPORT_DAYS) -> None:
        await self._report(interaction, "unanswered", days)

    @app_commands.command(name="feedback", description="Cards with the most 👎, and how helpful each one was")
    @app_commands.describe(days=f"How many days back (default {REPORT_DAYS})")
    async def feedback(self, interaction: discord.Interaction[FaqBot], days: Days = REPORT_DAYS) -> None:
        await self._report(interaction, "feedback", days)

    @app_commands.command(name="stats", description="Questions, answer rate, top cards, median score, per day")
    @app_commands.describe(days=f"How many days back (default {REPORT_DAYS})")
    async def stats(self, interaction: discord.Interaction[FaqBot], days: Days = REPORT_DAYS) -> None:
        await self._report(interaction, "stats", days)

    @app_commands.command(name="reload", description="Load the cards again; a card with an error is left out")
    async def reload(self, interaction: discord.Interaction[FaqBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.bot.holder.reload_off_loop()
        fields = {"user": interaction.user.id, "guild": interaction.guild_id, "problems": len(result.problems)}
        message = "/faq reload refused" if result.refused else "cards reloaded from /faq reload"
        log.info(message, extra={"fields": fields})
        embed = reload_embed(result, len(self.bot.holder.cards))
        await respond(interaction, embed=embed, ephemeral=True)

    @app_commands.command(name="add", description="Write a new card in a form; it answers once the checks pass")
    async def add(self, interaction: discord.Interaction[FaqBot]) -> None:
        from bot.discord.add_card import AddCardForm  # here: that module uses this one's wording and embeds

        await interaction.response.send_modal(AddCardForm(self.bot))

    @app_commands.command(name="edit", description="Change a card's question, phrasings and answer in a form")
    @app_commands.describe(card="The card (start typing its question)")
    async def edit(self, interaction: discord.Interaction[FaqBot], card: str) -> None:
        from bot.discord.edit_card import open_edit_form  # here: that module uses this one's wording and embeds

        await open_edit_form(interaction, card)

    @app_commands.command(name="remove", description="Delete a card's file, once you confirm")
    @app_commands.describe(card="The card (start typing its question)")
    async def remove(self, interaction: discord.Interaction[FaqBot], card: str) -> None:
        from bot.discord.edit_card import ask_to_remove

        await ask_to_remove(interaction, card)

    @edit.autocomplete("card")
    @remove.autocomplete("card")
    async def card_choices(
        self, interaction: discord.Interaction[FaqBot], current: str
    ) -> list[app_commands.Choice[str]]:
        from bot.discord.edit_card import card_choices

        return await card_choices(self.bot, current)

    async def _report(self, interaction: discord.Interaction[FaqBot], kind: reports.Kind, days: int) -> None:
        if self.bot.store is None:
            await respond(interaction, content=NO_STORE, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        scope = Scope("discord", str(interaction.guild_id))  # this server's records only, never a DM's
        try:
            report = await reports.build(kind, self.bot.store, self.bot.holder, scope, days)
        except StoreUnavailableError as error:
            log.warning("/faq %s: %s", kind, error)
            await respond(interaction, content=STORE_DEGRADED, ephemeral=True)
            return
        embed = report_embed(report)
        if kind == "stats" and self.bot.holder.problems:
            embed.set_footer(text=CARD_PROBLEMS.format(count=len(self.bot.holder.problems)))
        await respond(interaction, embed=embed, ephemeral=True)


async def setup(bot: FaqBot) -> None:
    await bot.add_cog(Admin(bot))
