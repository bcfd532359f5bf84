"""Slash commands, autocomplete, buttons and menus, through the real bot and discord.py against a fake Discord."""

from __future__ import annotations

import asyncio

import pytest

from bot import replies
from bot.cards.model import Card
from bot.engine import Engine
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import TOKEN, components_of, running_bot

pytestmark = pytest.mark.e2e

EPHEMERAL = 1 << 6
CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT = 4, 7, 8
BUTTON, SELECT = 2, 3


def ambiguous_question(engine: Engine) -> tuple[str, tuple[Card, ...]]:
    """A question the engine declines with suggestions, found from the cards rather than written down."""
    words = [word for card in engine.cards for word in card.title.lower().rstrip("?").split()]
    for first in words:
        for second in words:
            match = engine.answer(f"{first} {second}")
            if not match.answered and match.suggestions:
                return match.question, tuple(s.card for s in match.suggestions)
    raise AssertionError("no question in the fixture cards gets suggestions")


async def test_login_identify_and_command_sync() -> None:
    async with running_bot() as bot:
        fake = bot.fake
        login = await fake.wait_for_request("GET", "/users/@me")
        assert login.headers["Authorization"] == f"Bot {TOKEN}"
        assert fake.identifies == 1
        synced = {command["name"] for command in fake.commands[str(payloads.GUILD_ID)]}
        assert {"ask", "topics", "sources", "help", "Find answer"} <= synced
        assert "global" not in fake.commands  # guild ids set: nothing is synced globally
        async with asyncio.timeout(10):
            await bot.bot.wait_until_ready()
        assert bot.bot.gateway_connected


async def test_ask_answers_with_card_source_and_components() -> None:
    async with running_bot() as bot:
        card = bot.bot.holder.engine.cards[0]
        callback = await bot.ask(card.title)
        assert callback.body["type"] == CHANNEL_MESSAGE
        data = callback.body["data"]
        assert data["allowed_mentions"] == {"parse": []}
        assert not data.get("flags", 0) & EPHEMERAL  # public by default
        embed = data["embeds"][0]
        assert embed["title"] == card.title
        assert embed["description"] == card.answer
        assert embed["fields"][0]["name"] == replies.SOURCE
        custom_ids = [item["custom_id"] for item in components_of(data)]
        assert f"faq:vote:u:{card.id}" in custom_ids
        assert f"faq:vote:d:{card.id}" in custom_ids
        assert [f"faq:card:{related}" for related in card.related] == [
            c for c in custom_ids if c.startswith("faq:card")
        ]


async def test_private_option_makes_the_reply_ephemeral() -> None:
    async with running_bot() as bot:
        title = bot.bot.holder.engine.cards[0].title
        data = payloads.slash("ask", [payloads.string_option("question", title), payloads.bool_option("private", True)])
        callback = await bot.interact(2, data)
        assert callback.body["data"]["flags"] & EPHEMERAL


async def test_autocomplete_offers_card_titles_within_discord_limits() -> None:
    async with running_bot() as bot:
        engine = bot.bot.holder.engine
        typed = engine.cards[1].title[:6]
        data = payloads.slash("ask", [payloads.string_option("question", typed, focused=True)])
        callback = await bot.interact(4, data)
        assert callback.body["type"] == AUTOCOMPLETE_RESULT
        choices = callback.body["data"]["choices"]
        assert 0 < len(choices) <= 25
        assert all(len(choice["name"]) <= 100 for choice in choices)
        assert choices[0]["value"] == engine.autocomplete(typed)[0].title


async def test_decline_offers_did_you_mean_and_a_pick_shows_the_card() -> None:
    async with running_bot(match_threshold=60.0) as bot:  # a strict threshold: declines with suggestions to find
        question, suggested = ambiguous_question(bot.bot.holder.engine)
        decline = (await bot.ask(question)).body["data"]
        assert decline["embeds"][0]["title"] in {replies.DECLINE, replies.DECLINE_AMBIGUOUS}
        assert question not in str(decline["embeds"])  # the question is never echoed back
        (select,) = components_of(decline)
        assert [option["value"] for option in select["options"]] == [card.id for card in suggested]

        picked = suggested[0]
        update = await bot.click(decline, select["custom_id"], SELECT, [picked.id])
        assert update.body["type"] == UPDATE_MESSAGE
        assert update.body["data"]["embeds"][0]["title"] == picked.title


async def test_feedback_buttons_thank_the_voter_privately() -> None:
    async with running_bot() as bot:
        card = bot.bot.holder.engine.cards[0]
        answer = (await bot.ask(card.title)).body["data"]
        for custom_id in (f"faq:vote:u:{card.id}", f"faq:vote:d:{card.id}"):
            callback = await bot.click(answer, custom_id, BUTTON)
            assert callback.body["data"]["content"] == replies.FEEDBACK_THANKS
            assert callback.body["data"]["flags"] & EPHEMERAL


async def test_related_button_shows_the_related_card_privately() -> None:
    async with running_bot() as bot:
        card = next(card for card in bot.bot.holder.engine.cards if card.related)
        related = bot.bot.holder.engine.knowledge.cards[card.related[0]]
        answer = (await bot.ask(card.title)).body["data"]
        callback = await bot.click(answer, f"faq:card:{related.id}", BUTTON)
        assert callback.body["data"]["embeds"][0]["title"] == related.title
        assert callback.body["data"]["flags"] & EPHEMERAL


async def test_a_click_on_a_card_that_no_longer_exists_is_answered_politely() -> None:
    async with running_bot() as bot:
        card = bot.bot.holder.engine.cards[0]
        answer = (await bot.ask(card.title)).body["data"]
        answer["components"][0]["components"].append(
            {"type": 2, "style": 1, "label": "Gone", "custom_id": "faq:card:no-such-card"}
        )
        callback = await bot.click(answer, "faq:card:no-such-card", BUTTON)
        assert callback.body["data"]["content"] == replies.CARD_GONE


async def test_find_answer_menu_answers_the_selected_message() -> None:
    async with running_bot() as bot:
        card = bot.bot.holder.engine.cards[2]
        target = payloads.message(
            bot.fake.new_id(), payloads.CHANNEL_ID, payloads.user(), {"content": card.title}, payloads.GUILD_ID
        )
        callback = await bot.interact(2, payloads.message_command("Find answer", target))
        assert callback.body["data"]["embeds"][0]["title"] == card.title
        assert not callback.body["data"].get("flags", 0) & EPHEMERAL


async def test_topics_pages_sources_and_help() -> None:
    async with running_bot() as bot:
        knowledge = bot.bot.holder.engine.knowledge
        topics = (await bot.interact(2, payloads.slash("topics"))).body["data"]
        listed = " ".join(field["value"] for field in topics["embeds"][0]["fields"])
        assert all(card.title in listed for card in knowledge.cards.values())
        sources = (await bot.interact(2, payloads.slash("sources"))).body["data"]
        assert all(source.title in sources["embeds"][0]["description"] for source in knowledge.sources.values())
        help_reply = (await bot.interact(2, payloads.slash("help"))).body["data"]
        assert replies.HOW_IT_DECIDES in help_reply["embeds"][0]["description"]
        assert all(reply["flags"] & EPHEMERAL for reply in (topics, sources, help_reply))


async def test_too_long_and_cooldown_refusals_differ_from_not_found() -> None:
    async with running_bot(cooldown_seconds=60, cooldown_burst=1) as bot:
        asker, other = payloads.user(), payloads.user()
        too_long = (await bot.ask("why " * 5000, asker)).body["data"]
        assert too_long["content"].startswith(replies.TOO_LONG.split("(")[0])
        assert len(too_long["content"]) < 2000
        title = bot.bot.holder.engine.cards[0].title
        assert (await bot.ask(title, asker)).body["data"]["embeds"][0]["title"] == title
        slow = (await bot.ask(title, asker)).body["data"]
        assert slow["content"] == replies.SLOW_DOWN.format(seconds=60)
        assert slow["flags"] & EPHEMERAL
        # one member's cooldown does not silence another
        assert (await bot.ask(title, other)).body["data"]["embeds"][0]["title"] == title


async def test_clicks_that_show_a_card_share_the_clickers_cooldown_with_questions() -> None:
    async with running_bot(cooldown_seconds=60, cooldown_burst=2) as bot:
        member, other = payloads.user(), payloads.user()
        card = next(card for card in bot.bot.holder.engine.cards if card.related)
        related = bot.bot.holder.engine.knowledge.cards[card.related[0]]
        answer = (await bot.ask(card.title, member)).body["data"]
        shown = (await bot.click(answer, f"faq:card:{related.id}", BUTTON, clicker=member)).body["data"]
        assert shown["embeds"][0]["title"] == related.title
        option = {"label": related.title, "value": related.id}
        for kind in ("related", "pick"):  # the menus a reply with many related cards, or a decline, would carry
            menu = {"type": SELECT, "custom_id": f"faq:cards:{kind}", "options": [option]}
            answer["components"].append({"type": 1, "components": [menu]})
        for custom_id, kind, values in [
            (f"faq:card:{related.id}", BUTTON, None),
            ("faq:cards:related", SELECT, [related.id]),
            ("faq:cards:pick", SELECT, [related.id]),
        ]:
            refused = (await bot.click(answer, custom_id, kind, values, clicker=member)).body["data"]
            assert refused["content"].startswith(replies.SLOW_DOWN.split("{")[0])
            assert refused["flags"] & EPHEMERAL
            assert not refused.get("embeds")
        # the member's clicks do not slow anyone else
        other_click = await bot.click(answer, f"faq:card:{related.id}", BUTTON, clicker=other)
        assert other_click.body["data"]["embeds"][0]["title"] == related.title


async def test_everyone_in_a_question_never_pings() -> None:
    async with running_bot() as bot:
        callback = await bot.ask("@everyone <@&123> how do I get a role?")
        assert callback.body["data"]["allowed_mentions"] == {"parse": []}
        assert "@everyone" not in str(callback.body["data"].get("content"))
