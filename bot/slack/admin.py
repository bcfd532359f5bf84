"""`/faq` on Slack: what went unanswered, feedback, statistics, reloading the cards, reviewing learned phrasings,
adding or editing a card in a form and removing one, for the workspace's admins (`authority.py`).

Every reply goes to the admin alone (ephemeral), since reports quote what members asked, and a report reads only
the records of the workspace it is run in, as Discord's read only their server's.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import reports
from bot.admin_replies import (
    CARD_PROBLEMS,
    NO_STORE,
    RELOAD_REFUSED,
    RELOADED,
    RELOADED_WITHOUT,
    REPORT_TITLES,
    STORE_DEGRADED,
    UNREADABLE,
)
from bot.answering import Answerer
from bot.cards import Card
from bot.cards.edits import read_card_file
from bot.cards.loader import UnreadableError
from bot.cards.typed import find_card
from bot.clip import clip
from bot.holder import Reload
from bot.settings import REPORT_DAYS
from bot.slack import forms
from bot.slack.authority import REFUSED, Authority
from bot.slack.blocks import BLOCKS_MAX, FALLBACK_MAX_CHARS, SECTION_MAX_CHARS, Block, Message, split_mrkdwn
from bot.slack.mrkdwn import escape, plain
from bot.store import Scope, StoreUnavailableError

log = logging.getLogger(__name__)

COMMAND = "/faq"
DAYS_MAX = 365
FENCE = "```"
REPORTS: tuple[reports.Kind, ...] = ("unanswered", "feedback", "stats")
USAGE = (
    "*/faq* — for this workspace's admins; every reply is shown to you alone.\n"
    f"• `/faq unanswered [days]`: the most asked questions the bot declined (default {REPORT_DAYS} days)\n"
    "• `/faq feedback [days]`: cards with the most 👎, and how helpful each one was\n"
    "• `/faq stats [days]`: questions, answer rate, top cards, median score, per day\n"
    "• `/faq reload`: load the cards again; a card with an error is left out\n"
    "• `/faq learn`: phrasings members taught the bot, to approve or reject\n"
    "• `/faq add`: write a new card in a form; it answers once the checks pass\n"
    "• `/faq edit <card title or id>`: change a card's question, phrasings and answer\n"
    "• `/faq remove <card title or id>`: delete a card's file, once you confirm; the cards reload\n"
    "On a member's helpful reply, the message menu's *Save as FAQ card* opens the new-card form filled in from it."
)
UNKNOWN = "There is no /faq {word}."
FAILED = "Sorry, that did not work: the bot's log says why. Try again in a moment."
BAD_DAYS = f"Give the days as a whole number from 1 to {DAYS_MAX}, as in `/faq unanswered 30`."
EDIT_WHICH = "Name the card to edit: `/faq edit <card title or id>`."
NO_SUCH_CARD = "No card has the title or id “{typed}”."
DID_YOU_MEAN = " Did you mean: {titles}?"
TOO_LONG = "This card is too long to edit in a form (Slack allows {limit:,} characters for its {field}): edit {path}."


@dataclass(frozen=True)
class Who:
    """Who sent a command, click, form or shortcut, and from which workspace."""

    team: str | None
    user: str | None

    @classmethod
    def of(cls, body: dict[str, Any]) -> Who:
        """From a command (`team_id`, `user_id`) or an interaction (`team.id`, `user.id`)."""
        user = body.get("user")
        team = body.get("team")
        user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
        team_id = team.get("id") if isinstance(team, dict) else body.get("team_id")
        if team_id is None and isinstance(user, dict):
            team_id = user.get("team_id")
        return cls(str(team_id) if team_id else None, str(user_id) if user_id else None)

    def fields(self) -> dict[str, Any]:
        """The log fields naming who made a change."""
        return {"user": self.user, "team": self.team}


def note(text: str) -> Message:
    """A line of the bot's own wording with members' or files' text in it, inert."""
    return Message(escape(text), [_section(escape(text))])


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_MAX_CHARS]}}


def code_sections(text: str) -> list[Block]:
    """Text in code blocks (columns stay aligned), split to fit sections; members' text cannot close a block."""
    inert = escape(text.replace(FENCE, "'''"))
    return [_section(f"{FENCE}\n{piece}\n{FENCE}") for piece in split_mrkdwn(inert, SECTION_MAX_CHARS - 8)]


def titled(title: str, listing: str | None = None) -> Message:
    """A bold line, and under it a listing in code blocks."""
    blocks = [_section(f"*{escape(title)}*")]
    if listing:
        blocks += code_sections(listing)
    text = clip(escape(f"{title}\n{listing}" if listing else title), FALLBACK_MAX_CHARS)
    return Message(text, blocks[:BLOCKS_MAX])


def reload_message(result: Reload, cards: int, done: str = "") -> Message:
    """What a reload did, after what was done before it (a card saved)."""
    prefix = f"{done} " if done else ""
    if not result.problems:
        return titled(prefix + RELOADED.format(cards=cards))
    listing = "\n".join(str(problem) for problem in result.problems)
    title = RELOAD_REFUSED if result.refused else RELOADED_WITHOUT.format(cards=cards)
    return titled(prefix + title, listing)


def days_of(words: list[str]) -> int | None:
    """The days a report covers, as typed after it (none typed: the default); None when not a number in range."""
    if not words:
        return REPORT_DAYS
    return int(words[0]) if words[0].isdigit() and 1 <= int(words[0]) <= DAYS_MAX else None


def ephemeral(message: Message, replace: bool = False) -> dict[str, Any]:
    return {"response_type": "ephemeral", "replace_original": replace, **message.fields()}


class SlackAdmin:
    """The `/faq` command; the forms it opens are sent back to `bot.slack.cards`, `learn` to `bot.slack.learn`,
    `remove` to `bot.slack.remove`."""

    def __init__(self, answerer: Answerer, authority: Authority) -> None:
        self.answerer = answerer
        self.authority = authority

    async def refused(self, body: dict[str, Any], respond: AsyncRespond | None = None) -> bool:
        """Whether the sender is refused; when a `respond` is given, they are told so politely."""
        who = Who.of(body)
        if await self.authority.allows(who.team, who.user):
            return False
        log.info("refused a Slack admin action", extra={"fields": who.fields()})
        if respond is not None:
            await respond(**ephemeral(note(REFUSED)))
        return True

    async def command(self, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        if await self.refused(command, respond):
            return
        words = plain(str(command.get("text") or "")).split()
        word = words[0].casefold() if words else "help"
        if word in ("help", "?"):
            usage = escape(USAGE)  # mrkdwn stays, `<card …>` does not become a link
            await respond(**ephemeral(Message(usage, [_section(usage)])))
        elif word in REPORTS:
            await self.report(word, words[1:], Who.of(command), respond)
        elif word == "reload":
            await self.reload(Who.of(command), respond)
        elif word == "learn":
            from bot.slack.learn import show  # here: that module uses this one's replies

            await show(self.answerer, respond, page=0)
        elif word == "add":
            context = forms.Context("/faq add", response_url=command.get("response_url"))
            await client.views_open(trigger_id=command["trigger_id"], view=forms.add_view(context))
        elif word == "edit":
            await self.edit(" ".join(words[1:]), command, respond, client)
        elif word == "remove":
            from bot.slack.remove import ask_to_remove  # here: that module uses this one's replies

            await ask_to_remove(self, " ".join(words[1:]), Who.of(command), respond)
        else:
            said = escape(UNKNOWN.format(word=word))
            usage = escape(USAGE)
            await respond(**ephemeral(Message(f"{said}\n{usage}", [_section(said), _section(usage)])))

    async def report(self, kind: reports.Kind, words: list[str], who: Who, respond: AsyncRespond) -> None:
        days = days_of(words)
        store = self.answerer.store
        if days is None or store is None:
            await respond(**ephemeral(note(BAD_DAYS if days is None else NO_STORE)))
            return
        holder = self.answerer.holder
        try:
            report = await reports.build(kind, store, holder, Scope("slack", str(who.team)), days)
        except StoreUnavailableError as error:
            log.warning("/faq %s: %s", kind, error)
            await respond(**ephemeral(note(STORE_DEGRADED)))
            return
        message = titled(REPORT_TITLES[kind], reports.format_text(report))
        if kind == "stats" and holder.problems:
            footer = CARD_PROBLEMS.format(count=len(holder.problems))
            message = Message(message.text, [*message.blocks, _section(escape(footer))])
        await respond(**ephemeral(message))

    async def reload(self, who: Who, respond: AsyncRespond) -> None:
        holder = self.answerer.holder
        result = await holder.reload_off_loop()
        fields = {**who.fields(), "problems": len(result.problems)}
        log.info(
            "/faq reload refused" if result.refused else "cards reloaded from /faq reload", extra={"fields": fields}
        )
        await respond(**ephemeral(reload_message(result, len(holder.cards))))

    async def chosen(self, typed: str, which: str, respond: AsyncRespond) -> Card | None:
        """The card named by its title or id, with a file to change; else None, and the admin is told how to name
        one (`which`) or, for a name that fits no card, the closest cards' titles and ids."""
        if not typed.strip():
            await respond(**ephemeral(note(which)))
            return None
        card = find_card(self.answerer.holder.knowledge.cards, typed)
        if card is not None:
            return card
        close = await self.answerer.autocomplete(typed, 3)
        titles = ", ".join(f"“{card.title}” ({card.id})" for card in close)
        said = NO_SUCH_CARD.format(typed=typed) + (DID_YOU_MEAN.format(titles=titles) if close else "")
        await respond(**ephemeral(note(said)))
        return None

    async def edit(self, typed: str, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        """Open the form on the card's file as it is now."""
        card = await self.chosen(typed, EDIT_WHICH, respond)
        if card is None or card.path is None:
            return
        holder = self.answerer.holder
        try:
            written = await asyncio.to_thread(read_card_file, holder.knowledge_dir, card.path)
        except (UnreadableError, ValueError) as exc:
            await respond(**ephemeral(note(UNREADABLE.format(reason=exc))))
            return
        too_long = forms.fits(written.questions, written.answer)
        if too_long:
            limit = forms.QUESTION_FIELD_MAX_CHARS if too_long == "question" else forms.TEXT_FIELD_MAX_CHARS
            where = (
                card.path.relative_to(holder.knowledge_dir)
                if card.path.is_relative_to(holder.knowledge_dir)
                else card.path
            )
            await respond(**ephemeral(note(TOO_LONG.format(limit=limit, field=too_long, path=where))))
            return
        context = forms.Context(
            "/faq edit", response_url=command.get("response_url"), card=card.id, opened=forms.digest(written.text)
        )
        view = forms.edit_view(context, written.questions, written.answer)
        await client.views_open(trigger_id=command["trigger_id"], view=view)


def register(app: AsyncApp, admin: SlackAdmin) -> None:
    @app.command(COMMAND)
    async def faq(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()  # first, so Slack's 3-second deadline holds whatever happens next
        try:
            await admin.command(command, respond, client)
        except Exception:
            log.exception("/faq failed")
            await respond(**ephemeral(note(FAILED)))
