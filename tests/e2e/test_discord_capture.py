""" "Save as FAQ card", `/faq edit` and `/faq remove` through the real bot on the fake Discord: each change is a
checked file the next question is answered from, and only an admin, in a server, can make one."""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot import admin_replies
from bot.cards import load_knowledge_strict
from bot.cli import main
from bot.discord import add_card, admin, capture, edit_card
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import FIXTURE_KNOWLEDGE, Harness, components_of, running_bot
from tests.e2e.test_discord_add_card import follow_up, submit

pytestmark = pytest.mark.e2e

MODAL, MESSAGE, DEFERRED = 9, 4, 5
BUTTON = 2
ADMIN = payloads.MEMBER_PERMISSIONS | payloads.MANAGE_GUILD
THREAD_ID = 900_000_000_000_000_010
QUESTION = "Can I stream music in the voice channels?"
ANSWER = "Yes, in the **Music** voice channel: bots may play there, keep the volume low."


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot serving a copy of the test cards, which these tests change."""
    knowledge = Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))
    async with running_bot() as harness:
        harness.bot.holder.knowledge_dir = knowledge
        harness.bot.holder.reload()
        yield harness


def posted(bot: Harness, content: str, author: dict[str, Any], channel_id: int = payloads.CHANNEL_ID) -> dict[str, Any]:
    return payloads.message(bot.fake.new_id(), channel_id, author, {"content": content}, guild_id=payloads.GUILD_ID)


def reply_to(bot: Harness, question: dict[str, Any], content: str, author: dict[str, Any]) -> dict[str, Any]:
    """A member's reply to `question`, as Discord resolves it in a message command (the question included)."""
    reply = posted(bot, content, author)
    reply["type"] = 19
    reply["message_reference"] = {
        "message_id": question["id"],
        "channel_id": question["channel_id"],
        "guild_id": str(payloads.GUILD_ID),
    }
    reply["referenced_message"] = question
    return reply


async def save_as_card(bot: Harness, target: dict[str, Any], permissions: int = ADMIN, **where: Any) -> Any:
    return await bot.interact(2, payloads.message_command(capture.NAME, target), permissions=permissions, **where)


def fields_of(form: dict[str, Any]) -> list[str]:
    """The prefilled value of each field of a form, in order ("" for an empty one)."""
    return [row["components"][0].get("value") or "" for row in form["components"]]


def faq(subcommand: str, card: str) -> dict[str, Any]:
    return payloads.slash("faq", [{"name": subcommand, "type": 1, "options": [payloads.string_option("card", card)]}])


async def test_save_as_faq_card_writes_a_checked_card_that_answers_the_next_question(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    knowledge = bot.bot.holder.knowledge_dir
    question = posted(bot, QUESTION, payloads.user(name="newcomer"))
    helper = payloads.user(name="Alice")
    reply = reply_to(bot, question, ANSWER, helper)
    callback = await save_as_card(bot, reply)
    assert callback.body["type"] == MODAL
    form = callback.body["data"]
    assert form["title"] == add_card.FORM_TITLE
    link = f"https://discord.com/channels/{payloads.GUILD_ID}/{payloads.CHANNEL_ID}/{reply['id']}"
    day = discord.utils.snowflake_time(int(reply["id"])).date().isoformat()  # when Discord made the message
    assert fields_of(form) == [QUESTION, "", ANSWER, "", f"{link} Alice in #general, {day}"]

    admin_user = payloads.user(name="mod")
    with caplog.at_level(logging.INFO, logger="bot.discord.add_card"):
        sent = await submit(bot, form, fields_of(form), asker=admin_user)
        embed = (await follow_up(bot, sent))["embeds"][0]
    path = knowledge / "cards" / "captured" / "can-i-stream-music-in-the-voice-channels.md"
    assert embed["title"].startswith(f"Saved as {path.relative_to(knowledge)}.")
    logged = [record for record in caplog.records if record.getMessage() == "card added from Save as FAQ card"]
    assert logged[0].fields["user"] == int(admin_user["id"])  # type: ignore[attr-defined]

    card = load_knowledge_strict(knowledge).cards[path.stem]
    assert (card.questions, card.answer) == ((QUESTION,), ANSWER)
    assert (card.source.url, card.source.title, card.source.section) == (link, "Alice in #general", day)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge))
    assert main(["check"]) == 0
    answer = (await bot.ask("can i stream music in the voice channels")).body["data"]["embeds"][0]
    assert (answer["title"], answer["description"]) == (QUESTION, ANSWER)


async def test_in_a_thread_the_question_is_the_threads_first_message(bot: Harness) -> None:
    starter = posted(bot, "How do I link my Twitch account?", payloads.user(name="viewer"))
    starter["id"] = str(THREAD_ID)  # a thread started from a message has that message's id
    bot.fake.messages[str(payloads.CHANNEL_ID), str(THREAD_ID)] = starter
    reply = posted(bot, "User Settings → Connections → Twitch.", payloads.user(name="Bo"), THREAD_ID)
    thread = payloads.thread(THREAD_ID, "twitch link")
    form = (await save_as_card(bot, reply, channel_id=THREAD_ID, channel=thread)).body["data"]
    question, _, answer, _, source = fields_of(form)
    assert (question, answer) == ("How do I link my Twitch account?", "User Settings → Connections → Twitch.")
    assert " Bo in #twitch link, " in source


async def test_a_reply_whose_question_discord_left_out_reads_it(bot: Harness) -> None:
    question = posted(bot, "Where do I report a cheater?", payloads.user())
    reply = reply_to(bot, question, "Use /report in #reports with a clip.", payloads.user())
    del reply["referenced_message"]
    bot.fake.messages[str(payloads.CHANNEL_ID), question["id"]] = question
    form = (await save_as_card(bot, reply)).body["data"]
    assert fields_of(form)[:3] == ["Where do I report a cheater?", "", "Use /report in #reports with a clip."]


async def test_a_message_that_answers_nothing_opens_the_form_with_no_question(bot: Harness) -> None:
    form = (await save_as_card(bot, posted(bot, ANSWER, payloads.user()))).body["data"]
    assert fields_of(form)[:3] == ["", "", ANSWER]


async def test_a_bots_message_or_one_without_text_is_refused_politely(bot: Harness) -> None:
    for target, why in [
        (posted(bot, ANSWER, payloads.BOT_USER), capture.NOT_A_MEMBERS_REPLY),
        (posted(bot, "", payloads.user()), capture.NO_TEXT),
    ]:
        callback = await save_as_card(bot, target)
        assert callback.body["type"] == MESSAGE
        assert callback.body["data"]["content"] == why


async def test_edit_changes_an_answer_live_in_the_cards_own_file(bot: Harness) -> None:
    holder = bot.bot.holder
    roles = holder.engine.knowledge.cards["roles"]
    assert roles.path is not None
    kept = roles.path.read_text().split("tags:")[1]
    choices = await bot.interact(4, payloads.slash("faq", [autocompleting("how do i get a r")]), permissions=ADMIN)
    assert {"name": roles.title, "value": "roles"} in choices.body["data"]["choices"]

    callback = await bot.interact(2, faq("edit", "roles"), permissions=ADMIN)
    assert callback.body["type"] == MODAL
    form = callback.body["data"]
    assert form["title"] == edit_card.EDIT_TITLE
    assert fields_of(form) == [roles.title, "\n".join(roles.questions[1:]), roles.answer]
    values = [roles.title, "how to get roles\nrole menu location", "Run `/roles` and pick yours from the list."]
    embed = (await follow_up(bot, await submit(bot, form, values)))["embeds"][0]
    assert embed["title"].startswith("Saved cards/server/roles.md.")
    assert roles.path.read_text().split("tags:")[1] == kept.replace(roles.answer, values[2])  # id, source… kept
    answer = (await bot.ask("how do i get a role")).body["data"]["embeds"][0]
    assert answer["description"] == values[2]


async def test_a_card_too_long_for_the_form_is_left_to_its_file(bot: Harness) -> None:
    holder = bot.bot.holder
    path = holder.knowledge_dir / "cards" / "long.md"
    answer = "A long answer. " * 270  # over the form's 4,000 characters, under a card's 4,096
    path.write_text(f"---\nquestions: [How long can an answer be?]\nsource: {{document: faq}}\n---\n{answer}\n")
    holder.reload()
    callback = await bot.interact(2, faq("edit", "long"), permissions=ADMIN)
    assert callback.body["type"] == MESSAGE
    message = edit_card.TOO_LONG.format(limit=add_card.ANSWER_FIELD_MAX_CHARS, field="answer", path="cards/long.md")
    assert callback.body["data"]["content"] == message


def autocompleting(typed: str) -> dict[str, Any]:
    """The `card` option of `/faq edit` being typed: Discord asks for choices."""
    option = payloads.string_option("card", typed, focused=True)
    return {"name": "edit", "type": 1, "options": [option]}


async def test_remove_asks_first_and_only_the_admin_who_asked_can_confirm(bot: Harness) -> None:
    holder = bot.bot.holder
    events = holder.engine.knowledge.cards["events"]
    assert events.path is not None
    asker = payloads.user(name="mod")
    callback = await bot.interact(2, faq("remove", events.title), asker, permissions=ADMIN)
    assert callback.body["type"] == MESSAGE
    confirm = callback.body["data"]
    assert confirm["embeds"][0]["title"] == admin_replies.CONFIRM_REMOVE.format(title=events.title)
    button = components_of(confirm)[0]
    assert events.path.exists()

    other_admin = await click(bot, confirm, button["custom_id"], payloads.user(name="other mod"))
    assert other_admin.body["data"]["content"] == admin_replies.NOT_YOURS
    assert "events" in holder.engine.knowledge.cards

    done = await follow_up(bot, await click(bot, confirm, button["custom_id"], asker))
    assert done["embeds"][0]["title"].startswith("Removed cards/server/events.md.")
    assert not events.path.exists()
    assert "events" not in holder.engine.knowledge.cards
    gone = await click(bot, confirm, button["custom_id"], asker)
    assert gone.body["data"]["content"] == admin_replies.NOTHING_TO_REMOVE


async def test_a_card_another_relates_to_is_not_removed(bot: Harness) -> None:
    asker = payloads.user(name="mod")
    confirm = (await bot.interact(2, faq("remove", "rules"), asker, permissions=ADMIN)).body["data"]
    embed = (await follow_up(bot, await click(bot, confirm, components_of(confirm)[0]["custom_id"], asker)))["embeds"][
        0
    ]
    assert embed["title"] == admin_replies.REMOVAL_REFUSED
    assert "related 'rules': no card has this id" in embed["description"]
    assert "rules" in bot.bot.holder.engine.knowledge.cards


async def click(
    bot: Harness, message_body: dict[str, Any], custom_id: str, clicker: dict[str, Any], permissions: int = ADMIN
) -> Any:
    message = payloads.message(bot.fake.new_id(), payloads.CHANNEL_ID, payloads.BOT_USER, message_body)
    data = payloads.component(custom_id, BUTTON)
    return await bot.interact(3, data, clicker, permissions=permissions, message_payload=message)


async def test_a_member_without_manage_server_is_refused_on_every_path(bot: Harness) -> None:
    knowledge = bot.bot.holder.knowledge_dir
    before = sorted(str(path) for path in knowledge.rglob("*"))
    engine = bot.bot.holder.engine
    member = payloads.MEMBER_PERMISSIONS
    question = posted(bot, QUESTION, payloads.user())
    refusals = [
        await save_as_card(bot, reply_to(bot, question, ANSWER, payloads.user()), permissions=member),
        await bot.interact(2, faq("edit", "roles"), permissions=member),
        await bot.interact(2, faq("remove", "events"), permissions=member),
    ]
    # A form or button an admin opened, sent by someone who is no admin (or no longer one)
    asker = payloads.user(name="mod")
    capture_form = (await save_as_card(bot, reply_to(bot, question, ANSWER, payloads.user()))).body["data"]
    edit_form = (await bot.interact(2, faq("edit", "roles"), permissions=ADMIN)).body["data"]
    confirm = (await bot.interact(2, faq("remove", "events"), asker, permissions=ADMIN)).body["data"]
    refusals += [
        await submit(bot, capture_form, fields_of(capture_form), permissions=member),
        await submit(bot, edit_form, fields_of(edit_form), permissions=member),
        await click(bot, confirm, components_of(confirm)[0]["custom_id"], asker, permissions=member),
    ]
    for callback in refusals:
        assert callback.body["type"] == MESSAGE
        assert callback.body["data"]["content"] == admin.NEEDS_MANAGE_SERVER
        assert callback.body["data"]["flags"] & (1 << 6)  # ephemeral
    in_a_dm = await save_as_card(bot, posted(bot, ANSWER, payloads.user()), guild=False)
    assert in_a_dm.body["data"]["content"] == admin.NOT_IN_DMS
    assert sorted(str(path) for path in knowledge.rglob("*")) == before
    assert bot.bot.holder.engine is engine
