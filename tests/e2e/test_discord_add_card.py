"""`/faq add`: the form opens for an admin, a card that passes the checks is written and answers at once, one that
does not is refused with its problems and writes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.cards import load_knowledge_strict
from bot.discord import add_card, admin
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import FIXTURE_KNOWLEDGE, Harness, running_bot

pytestmark = pytest.mark.e2e

MODAL, DEFERRED, MESSAGE = 9, 5, 4
ADMIN = payloads.MEMBER_PERMISSIONS | payloads.MANAGE_GUILD
QUESTION = "When does the summer tournament start?"


async def open_form(bot: Harness) -> dict[str, Any]:
    """`/faq add` as an admin: the form Discord is asked to show."""
    callback = await bot.interact(
        2, payloads.slash("faq", [{"name": "add", "type": 1, "options": []}]), permissions=ADMIN
    )
    assert callback.body["type"] == MODAL
    form: dict[str, Any] = callback.body["data"]
    return form


async def submit(
    bot: Harness,
    form: dict[str, Any],
    values: list[str],
    permissions: int = ADMIN,
    asker: dict[str, Any] | None = None,
) -> Any:
    """The form sent back (by `asker`) with `values` in its fields' order: the bot's callback."""
    inputs = [row["components"][0] for row in form["components"]]
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": item["custom_id"], "value": value}]}
        for item, value in zip(inputs, values, strict=True)
    ]
    return await bot.interact(5, {"custom_id": form["custom_id"], "components": rows}, asker, permissions=permissions)


async def follow_up(bot: Harness, callback: Any) -> dict[str, Any]:
    assert callback.body["type"] == DEFERRED
    token = callback.path.split("/")[3]
    body: dict[str, Any] = (await bot.fake.wait_for_request("POST", rf"/webhooks/\d+/{token}")).body
    return body


async def test_a_card_from_the_form_is_written_checked_and_answers_at_once(tmp_path: Path) -> None:
    knowledge = Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))
    async with running_bot() as bot:
        holder = bot.bot.holder
        holder.knowledge_dir = knowledge
        cards_before = len(holder.engine.cards)
        form = await open_form(bot)
        assert form["title"] == add_card.FORM_TITLE
        assert len(form["components"]) == 5
        values = [
            QUESTION,
            "summer tournament start date\nwhen is the summer cup",
            "It starts on the first Saturday of July; sign up in #events.",
            "events, tournaments",
            "https://discord.com/channels/1/2/3 Mod announcement",
        ]
        message = await follow_up(bot, await submit(bot, form, values))
        embed = message["embeds"][0]
        path = knowledge / "cards" / "added" / "when-does-the-summer-tournament-start.md"
        assert embed["title"].startswith("Saved as cards/added/when-does-the-summer-tournament-start.md.")
        assert admin.RELOADED.format(cards=cards_before + 1) in embed["title"]
        card = load_knowledge_strict(knowledge).cards[path.stem]
        assert card.questions == (QUESTION, "summer tournament start date", "when is the summer cup")
        assert card.tags == ("events", "tournaments")
        assert (card.source.url, card.source.title) == ("https://discord.com/channels/1/2/3", "Mod announcement")
        answer = await bot.ask("when does the summer tournament start")
        assert answer.body["data"]["embeds"][0]["title"] == QUESTION


async def test_a_card_the_checks_refuse_is_not_written_and_the_problems_are_named(tmp_path: Path) -> None:
    knowledge = Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))
    async with running_bot() as bot:
        holder = bot.bot.holder
        holder.knowledge_dir = knowledge
        engine = holder.engine
        form = await open_form(bot)
        values = [QUESTION, "", "See [everyone](!channel).", "", "nowhere, Events"]
        embed = (await follow_up(bot, await submit(bot, form, values)))["embeds"][0]
        assert embed["title"] == add_card.NOT_SAVED
        assert "link to '!channel'" in embed["description"]
        assert "unknown source document 'nowhere'" in embed["description"]
        assert not (knowledge / "cards" / "added").exists()
        assert holder.engine is engine


async def test_the_form_checks_the_member_again_when_it_is_sent(tmp_path: Path) -> None:
    knowledge = Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))
    async with running_bot() as bot:
        bot.bot.holder.knowledge_dir = knowledge
        form = await open_form(bot)
        values = [QUESTION, "", "An answer.", "", "faq"]
        callback = await submit(bot, form, values, permissions=payloads.MEMBER_PERMISSIONS)
        assert callback.body["type"] == MESSAGE
        assert callback.body["data"]["content"] == admin.NEEDS_MANAGE_SERVER
        assert not (knowledge / "cards" / "added").exists()
