"""`/faq`: registered for Manage Server only, in servers only; its reports and reload through the real bot."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.cards import Problem
from bot.discord import admin, capture
from bot.settings import load_settings
from bot.store import Store, open_store, start_store
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import FIXTURE_KNOWLEDGE, Harness, running_bot

pytestmark = pytest.mark.e2e

EPHEMERAL = 1 << 6
MESSAGE, DEFERRED = 4, 5
GUILD_CONTEXT = 0
ADMIN = payloads.MEMBER_PERMISSIONS | payloads.MANAGE_GUILD


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(load_settings(data_dir=tmp_path / "data", database_url=None, user_hash_salt=None))
    yield store
    await store.close()


def faq(subcommand: str, days: int | None = None) -> dict[str, Any]:
    """The interaction data of `/faq <subcommand>`, with its `days` option when given."""
    values = [] if days is None else [{"name": "days", "type": 4, "value": days}]
    return payloads.slash("faq", [{"name": subcommand, "type": 1, "options": values}])


async def run_faq(bot: Harness, subcommand: str, days: int | None = None, **where: Any) -> dict[str, Any]:
    """Invoke `/faq` as a member with Manage Server (in the test server unless `where` says otherwise); the
    deferred reply's follow-up message."""
    callback = await bot.interact(2, faq(subcommand, days), permissions=ADMIN, **where)
    assert callback.body["type"] == DEFERRED
    assert callback.body["data"]["flags"] & EPHEMERAL
    token = callback.path.split("/")[3]
    return (await bot.fake.wait_for_request("POST", rf"/webhooks/\d+/{token}")).body


async def test_faq_is_registered_for_manage_server_and_servers_only() -> None:
    async with running_bot() as bot:
        await bot.fake.wait_for_request("PUT", r"/applications/\d+/guilds/\d+/commands")
        commands = {command["name"]: command for command in bot.fake.commands[str(payloads.GUILD_ID)]}
        faq_command = commands["faq"]
        assert int(faq_command["default_member_permissions"]) == payloads.MANAGE_GUILD
        assert faq_command.get("contexts") == [GUILD_CONTEXT] or faq_command.get("dm_permission") is False
        subcommands = {option["name"] for option in faq_command["options"]}
        assert subcommands == {"unanswered", "feedback", "stats", "reload", "add", "edit", "remove", "learn"}
        menu = commands[capture.NAME]
        assert int(menu["default_member_permissions"]) == payloads.MANAGE_GUILD
        assert menu.get("contexts") == [GUILD_CONTEXT] or menu.get("dm_permission") is False
        everyone = [name for name in commands if name not in {"faq", capture.NAME}]
        assert everyone
        assert all(commands[name].get("default_member_permissions") is None for name in everyone)


async def test_unanswered_lists_what_members_asked_and_the_bot_declined(store: Store) -> None:
    async with running_bot() as bot:
        bot.bot.store = bot.bot.answerer.store = store
        question = "is there a voice channel for music"
        for _ in range(2):
            await bot.ask(question)
        await bot.ask(bot.bot.holder.engine.cards[0].title)  # answered: not in the report

        message = await run_faq(bot, "unanswered", days=3)
        assert message["flags"] & EPHEMERAL
        assert message["allowed_mentions"] == {"parse": []}
        embed = message["embeds"][0]
        assert embed["title"] == admin.TITLES["unanswered"]
        assert f"2× {question}" in embed["description"]
        assert bot.bot.holder.engine.cards[0].title not in embed["description"]

        stats = (await run_faq(bot, "stats"))["embeds"][0]["description"]
        assert "questions: 3, answered: 1 (33%)" in stats


async def test_a_servers_reports_never_show_another_servers_or_a_dms_questions(store: Store) -> None:
    async with running_bot() as bot:
        bot.bot.store = bot.bot.answerer.store = store
        await bot.ask("is there a voice channel for music")
        await bot.ask("where do I post my memes", guild_id=payloads.OTHER_GUILD_ID)
        await bot.ask("can I get a refund for my order", guild=False)
        await bot.ask(bot.bot.holder.engine.cards[0].title, guild_id=payloads.OTHER_GUILD_ID)

        unanswered = (await run_faq(bot, "unanswered"))["embeds"][0]["description"]
        assert "1× is there a voice channel for music" in unanswered
        assert "memes" not in unanswered
        assert "refund" not in unanswered
        assert "questions: 1, answered: 0" in (await run_faq(bot, "stats"))["embeds"][0]["description"]

        other = (await run_faq(bot, "stats", guild_id=payloads.OTHER_GUILD_ID))["embeds"][0]["description"]
        assert "questions: 2, answered: 1" in other


async def test_reports_while_the_store_is_degraded_say_so_and_answering_goes_on(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder\n")
    store = await start_store(load_settings(data_dir=tmp_path / "file" / "data", database_url=None))
    try:
        async with running_bot() as bot:
            bot.bot.store = bot.bot.answerer.store = store
            answer = await bot.ask(bot.bot.holder.engine.cards[0].title)
            assert answer.body["data"]["embeds"][0]["description"] == bot.bot.holder.engine.cards[0].answer
            message = await run_faq(bot, "stats")
            assert message["content"] == admin.STORE_DEGRADED
            assert message["flags"] & EPHEMERAL
    finally:
        await store.close()


async def test_stats_say_how_many_problems_left_cards_out(store: Store) -> None:
    async with running_bot() as bot:
        bot.bot.store = bot.bot.answerer.store = store
        assert "footer" not in (await run_faq(bot, "stats"))["embeds"][0]
        bot.bot.holder.problems = [Problem("knowledge/cards/broken.md", 5, "unknown source document 'nowhere'")]
        embed = (await run_faq(bot, "stats"))["embeds"][0]
        assert embed["footer"]["text"] == admin.CARD_PROBLEMS.format(count=1)


async def test_reload_with_a_broken_card_names_file_and_line_and_loads_the_rest(tmp_path: Path) -> None:
    knowledge = Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))
    async with running_bot() as bot:
        holder = bot.bot.holder
        holder.knowledge_dir = knowledge
        old = holder.engine
        broken = "---\nquestions:\n  - Where do I report a bug?\nsource:\n  document: nowhere\n---\nIn #bugs.\n"
        (knowledge / "cards" / "broken.md").write_text(broken, encoding="utf-8")

        embed = (await run_faq(bot, "reload"))["embeds"][0]
        assert embed["title"] == admin.RELOADED_WITHOUT.format(cards=len(old.cards))
        assert "knowledge/cards/broken.md:5: unknown source document 'nowhere'" in embed["description"]
        assert "broken" not in holder.engine.knowledge.cards
        answer = await bot.ask(old.cards[0].title)
        assert answer.body["data"]["embeds"][0]["description"] == old.cards[0].answer

        holder.strict = True  # STRICT_CARDS: the previous cards stay
        kept = holder.engine
        embed = (await run_faq(bot, "reload"))["embeds"][0]
        assert embed["title"] == admin.RELOAD_REFUSED
        assert holder.engine is kept

        (knowledge / "cards" / "broken.md").write_text(broken.replace("nowhere", "faq"), encoding="utf-8")
        embed = (await run_faq(bot, "reload"))["embeds"][0]
        assert embed["title"] == admin.RELOADED.format(cards=len(old.cards) + 1)
        assert "broken" in holder.engine.knowledge.cards


@pytest.mark.parametrize("subcommand", ["unanswered", "feedback", "stats", "reload", "add"])
async def test_a_member_without_manage_server_is_refused_even_where_the_server_grants_faq(
    store: Store, subcommand: str
) -> None:
    """A server can give /faq to every member under Integrations: Discord then lets anyone invoke it."""
    async with running_bot() as bot:
        bot.bot.store = bot.bot.answerer.store = store
        await bot.ask("is there a voice channel for music")
        engine = bot.bot.holder.engine
        callback = await bot.interact(2, faq(subcommand), permissions=payloads.MEMBER_PERMISSIONS)
        assert callback.body["type"] == MESSAGE
        assert callback.body["data"]["content"] == admin.NEEDS_MANAGE_SERVER
        assert callback.body["data"]["flags"] & EPHEMERAL
        assert bot.bot.holder.engine is engine  # not reloaded


async def test_faq_in_a_direct_message_is_refused_politely(store: Store) -> None:
    async with running_bot() as bot:
        bot.bot.store = bot.bot.answerer.store = store
        await bot.ask("can I get a refund for my order", guild=False)
        callback = await bot.interact(2, faq("unanswered"), guild=False)
        assert callback.body["type"] == MESSAGE
        assert callback.body["data"]["content"] == admin.NOT_IN_DMS
        assert callback.body["data"]["flags"] & EPHEMERAL
        assert "embeds" not in callback.body["data"]


async def test_reports_without_a_store_say_so() -> None:
    async with running_bot() as bot:
        callback = await bot.interact(2, faq("feedback"), permissions=ADMIN)
        assert callback.body["data"]["content"] == admin.NO_STORE
        assert callback.body["data"]["flags"] & EPHEMERAL
