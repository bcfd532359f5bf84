"""`/faq learn`: the phrasings members taught the bot, a page at a time, with approve and reject buttons.

Added to the `/faq` group (Manage Server, see `admin.py`); the command and every click check the member's
permission again when they run, since a button's message can outlive the permission of the one who clicks.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.discord.admin import NO_STORE, REPORT_COLOUR, STORE_DEGRADED, admins_only
from bot.discord.components import LABEL_MAX_CHARS
from bot.discord.embeds import DESCRIPTION_MAX_CHARS, clip
from bot.discord.errors import Refused, apologize
from bot.discord.send import NO_PINGS, respond
from bot.learn import review
from bot.learn.review import EXPLAIN, NOTHING, QUESTION_SHOWN_MAX_CHARS, TITLE
from bot.learn.teacher import Teacher
from bot.store import StoreUnavailableError
from bot.store import learning as records
from bot.store.learning import Phrasing, State

if TYPE_CHECKING:
    from bot.discord.app import FaqBot

log = logging.getLogger(__name__)

PAGE_SIZE = 4  # two buttons each, a row each: with the row of page buttons, Discord's five rows


def _quoted(text: str) -> str:
    """A member's question shown as text: no Markdown, no code span to break out of, no mention (pings are off)."""
    return discord.utils.escape_markdown(clip(text, QUESTION_SHOWN_MAX_CHARS).replace("`", "'"))


def render(proposals: list[Phrasing], tallies: dict[tuple[str, str], records.Tally], page: int) -> dict[str, Any]:
    """The embed and buttons of one page of proposals (the last page when `page` is past it)."""
    shown = review.paginate(proposals, tallies, page, PAGE_SIZE)
    page, pages = shown.page, shown.pages
    lines = []
    view = discord.ui.View(timeout=None)
    for number, phrasing, members in ((p.number, p.phrasing, p.members) for p in shown.proposals):
        lines.append(f"**{number}.** {_quoted(phrasing.question)} → `{phrasing.card}` ({members} members)")
        for action, style in (("approve", discord.ButtonStyle.success), ("reject", discord.ButtonStyle.danger)):
            label = clip(f"{action.title()} {number}", LABEL_MAX_CHARS)
            button: discord.ui.Button[Any] = discord.ui.Button(
                style=style, label=label, custom_id=f"faq:learn:{action}:{phrasing.id}:{page}", row=number % PAGE_SIZE
            )
            view.add_item(button)
    if pages > 1:
        for label, target in (("Previous", page - 1), ("Next", page + 1)):
            nav: discord.ui.Button[Any] = discord.ui.Button(
                label=label, custom_id=f"faq:learn:page:{target}", disabled=not 0 <= target < pages, row=4
            )
            view.add_item(nav)
    description = "\n".join(lines) + f"\n\n{EXPLAIN}" if lines else NOTHING
    embed = discord.Embed(
        title=TITLE.format(count=len(proposals)),
        description=clip(description, DESCRIPTION_MAX_CHARS),
        colour=REPORT_COLOUR,
    )
    if pages > 1:
        embed.set_footer(text=f"page {page + 1} of {pages}")
    return {"embed": embed, "view": view if view.children else None}


async def page_of(teacher: Teacher, page: int) -> dict[str, Any]:
    proposals = await records.phrasings(teacher.store, State.PROPOSED)
    tallies = await records.tallies(teacher.store, [(p.key, p.card) for p in proposals])
    return render(proposals, tallies, page)


def _teacher(interaction: discord.Interaction[FaqBot]) -> Teacher | None:
    return interaction.client.answerer.teacher


@app_commands.command(name="learn", description="Phrasings members taught the bot: approve or reject them")
async def learn(interaction: discord.Interaction[FaqBot]) -> None:
    admins_only(interaction)
    teacher = _teacher(interaction)
    if teacher is None:
        await respond(interaction, content=NO_STORE, ephemeral=True)
        return
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        shown = await page_of(teacher, 0)
    except StoreUnavailableError as error:
        log.warning("/faq learn: %s", error)
        await respond(interaction, content=STORE_DEGRADED, ephemeral=True)
        return
    await respond(interaction, ephemeral=True, **{key: value for key, value in shown.items() if value is not None})


class LearnButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"faq:learn:(?P<action>approve|reject|page):(?P<target>[0-9a-f]{10}|\d{1,6})(?::(?P<page>\d{1,6}))?",
):
    """Approve, reject, or turn the page; the list is then shown again as it is now."""

    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> LearnButton:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:  # the client: the FaqBot that added it
        match = self.template.fullmatch(self.custom_id)
        assert match is not None
        try:
            admins_only(interaction)
            teacher = _teacher(interaction)
            if teacher is None:
                await respond(interaction, content=NO_STORE, ephemeral=True)
                return
            note, page = None, int(match["page"] or match["target"])
            if match["action"] != "page":
                note = await _decide(teacher, match["target"], match["action"] == "approve", interaction)
            shown = await page_of(teacher, page)
            await interaction.response.edit_message(content=note, allowed_mentions=NO_PINGS, **shown)
        except Refused as refused:
            await respond(interaction, content=str(refused), ephemeral=True)
        except StoreUnavailableError as error:
            log.warning("/faq learn: %s", error)
            await respond(interaction, content=STORE_DEGRADED, ephemeral=True)
        except Exception as error:
            await apologize(interaction, error, "learned phrasing")


async def _decide(teacher: Teacher, phrasing_id: str, approve: bool, interaction: discord.Interaction[Any]) -> str:
    note = await review.decide(teacher, phrasing_id, approve, by=f"discord:{interaction.user.id}")
    fields = {"phrasing": phrasing_id, "user": interaction.user.id, "guild": interaction.guild_id, "approve": approve}
    log.info("/faq learn decision", extra={"fields": fields})
    return note


async def setup(bot: FaqBot) -> None:
    """After `admin`'s (extensions load in name order): `/faq learn` joins its group."""
    group = bot.tree.get_command("faq")
    if not isinstance(group, app_commands.Group):
        raise RuntimeError("/faq learn needs the /faq group of bot.discord.admin, loaded first")
    group.add_command(learn)
    bot.add_dynamic_items(LearnButton)
