"""Learned phrasings on the fake Discord: a pick and a 👍 from two members propose one, an admin approves it with
`/faq learn`, and the next member who asks the same thing is answered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.discord import admin
from bot.discord import learn as learn_command
from bot.learn.teacher import Teacher
from bot.settings import load_settings
from bot.store import Store, open_store
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import Harness, components_of, running_bot
from tests.e2e.test_discord_admin import ADMIN, run_faq

pytestmark = pytest.mark.e2e

UNSEEN = "which menu gives me my tags"  # declined on the fixture cards, with `roles` offered
SELECT, BUTTON = 3, 2
UPDATE_MESSAGE = 7


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(load_settings(data_dir=tmp_path / "data", database_url=None, user_hash_salt=None))
    yield store
    await store.close()


def member(user_id: int) -> dict[str, Any]:
    return payloads.user(user_id, name=f"member{user_id}")


async def click(bot: Harness, message: dict[str, Any], custom_id: str, clicker: dict[str, Any], **options: Any) -> Any:
    payload = payloads.message(bot.fake.new_id(), payloads.CHANNEL_ID, payloads.BOT_USER, message)
    data = payloads.component(custom_id, BUTTON)
    return await bot.interact(3, data, clicker, message_payload=payload, **options)


async def test_a_pick_and_a_vote_propose_an_admin_approves_and_the_question_is_answered(store: Store) -> None:
    async with running_bot() as bot:
        bot.bot.store = bot.bot.answerer.store = store
        teacher = bot.bot.answerer.teacher = Teacher(store, bot.bot.holder, min_users=2)
        first, second, third = member(501), member(502), member(503)

        decline = (await bot.ask(UNSEEN, first)).body["data"]
        (select,) = components_of(decline)
        picked = (await bot.click(decline, select["custom_id"], SELECT, ["roles"], clicker=first)).body["data"]
        assert picked["embeds"][0]["title"] == bot.bot.holder.engine.knowledge.cards["roles"].title
        up = next(item["custom_id"] for item in components_of(picked) if item["custom_id"].startswith("faq:vote:u"))
        await click(bot, picked, up, second)  # another member finds the picked answer right
        await teacher.settled()

        refused = await bot.interact(2, payloads.slash("faq", [{"name": "learn", "type": 1}]), first)
        assert refused.body["data"]["content"] == admin.NEEDS_MANAGE_SERVER
        listing = await run_faq(bot, "learn")
        assert UNSEEN in listing["embeds"][0]["description"]
        assert "(2 members)" in listing["embeds"][0]["description"]
        approve = next(item for item in components_of(listing) if item["custom_id"].startswith("faq:learn:approve"))

        not_admin = await click(bot, listing, approve["custom_id"], first)
        assert not_admin.body["data"]["content"] == admin.NEEDS_MANAGE_SERVER
        assert (await bot.ask(UNSEEN, third)).body["data"]["embeds"][0]["title"] != picked["embeds"][0]["title"]

        approved = await click(bot, listing, approve["custom_id"], first, permissions=ADMIN)
        assert approved.body["type"] == UPDATE_MESSAGE
        assert approved.body["data"]["content"].startswith("Approved")
        assert approved.body["data"]["embeds"][0]["description"] == learn_command.NOTHING
        await teacher.settled()

        answer = (await bot.ask(UNSEEN.capitalize() + "?", third)).body["data"]
        assert answer["embeds"][0]["title"] == picked["embeds"][0]["title"]
