"""More… on a decline and the cards offered after a 👎, on the fake Discord: each to the clicker alone, and a pick
from them teaches the bot as any "did you mean" pick does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import replies
from bot.engine import Engine
from bot.settings import load_settings
from bot.store import Store, open_store
from tests.e2e.fake_discord.harness import components_of, running_bot
from tests.paged import GAMING, paged_question

pytestmark = pytest.mark.e2e

STRICT = {"knowledge_dir": GAMING, "match_threshold": 60.0, "match_margin": 0.0}
EPHEMERAL = 1 << 6
UPDATE_MESSAGE = 7
BUTTON, SELECT = 2, 3


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(load_settings(data_dir=tmp_path / "data", database_url=None, user_hash_salt=None))
    yield store
    await store.close()


async def test_more_shows_the_next_cards_privately_and_a_pick_among_them_is_recorded(store: Store) -> None:
    async with running_bot(store, **STRICT) as bot:
        question = paged_question(bot.bot.holder.engine)
        decline = (await bot.ask(question)).body["data"]
        select, more = components_of(decline)
        assert more["label"] == replies.MORE
        assert more["custom_id"].startswith("faq:more:1:")

        page = (await bot.click(decline, more["custom_id"], BUTTON)).body["data"]
        assert page["flags"] & EPHEMERAL
        assert page["embeds"][0]["description"].startswith(replies.MORE_CARDS)
        assert question not in str(page)  # never echoed back
        next_select = components_of(page)[0]
        first_ids = {option["value"] for option in select["options"]}
        next_ids = [option["value"] for option in next_select["options"]]
        assert next_ids
        assert not first_ids & set(next_ids)

        picked = await bot.click(page, next_select["custom_id"], SELECT, [next_ids[0]])
        assert picked.body["type"] == UPDATE_MESSAGE
        assert picked.body["data"]["embeds"][0]["title"] == bot.bot.holder.knowledge.cards[next_ids[0]].title
        await store.flush()
        assert [row.card for row in await store.picks()] == [next_ids[0]]


async def test_a_thumbs_down_offers_the_next_cards_without_the_answer(store: Store) -> None:
    async with running_bot(store, knowledge_dir=GAMING, match_threshold=1.0, match_margin=0.0) as bot:
        engine = bot.bot.holder.engine
        question = paged_question(Engine(engine.knowledge, threshold=60.0, margin=0.0))
        answer = (await bot.ask(question)).body["data"]
        card = engine.answer(question).card
        assert card is not None
        down = next(item for item in components_of(answer) if item["custom_id"].startswith(f"faq:vote:d:{card.id}:"))

        voted = (await bot.click(answer, down["custom_id"], BUTTON)).body["data"]
        assert voted["content"] == replies.FEEDBACK_THANKS
        assert voted["flags"] & EPHEMERAL
        assert voted["embeds"][0]["title"] == replies.NOT_IT
        (offered,) = components_of(voted)  # one list: no More… after a 👎
        assert card.id not in {option["value"] for option in offered["options"]}
        await store.flush()
        assert [(vote.card, vote.helpful) for vote in await store.votes()] == [(card.id, False)]
