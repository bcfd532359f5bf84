from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import replies
from bot.answering import Answerer, Asker
from bot.policy import Via
from bot.settings import load_settings
from bot.store import open_store, start_store
from tests.discord.helpers import FIXTURE_KNOWLEDGE, make_bot

ASKER = Asker(user_id=1, guild_id=2, channel_id=3, via=Via.ASK)


async def test_a_too_long_question_does_not_spend_the_cooldown() -> None:
    bot = make_bot(cooldown_seconds=60, cooldown_burst=1)
    answerer = bot.answerer
    assert (await answerer.ask("x" * 10_000, ASKER)).outcome == "too_long"
    title = bot.holder.engine.cards[0].title
    assert (await answerer.ask(title, ASKER)).reply is not None
    assert (await answerer.ask(title, ASKER)).outcome == "cooldown"
    assert (await answerer.ask(title, Asker(9, 2, 3, Via.ASK))).reply is not None  # per user, not per channel


async def test_one_structured_line_per_question(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    bot = make_bot()
    card = bot.holder.engine.cards[0]
    await bot.answerer.ask(card.title, ASKER)
    (record,) = [r for r in caplog.records if r.message.startswith("question ")]
    assert record.fields["card"] == card.id
    assert float(record.fields["score"]) == 100.0
    assert float(record.fields["latency_ms"]) >= 0
    assert "unit-test-token" not in caplog.text


async def test_questions_and_votes_are_recorded_in_the_store(tmp_path: Path) -> None:
    settings = load_settings(knowledge_dir=FIXTURE_KNOWLEDGE, data_dir=tmp_path)
    store = await open_store(settings)
    try:
        bot = make_bot()
        answerer = Answerer(bot.holder, settings, "discord", store)
        card = bot.holder.engine.cards[0]
        asked = await answerer.ask(card.title, ASKER)
        assert asked.question_id is not None
        assert await answerer.vote(asked.question_id, 1, card.id, helpful=True) == replies.FEEDBACK_THANKS
        assert await answerer.vote(asked.question_id, 1, card.id, helpful=False) == replies.FEEDBACK_ALREADY
        answerer.pick(asked.question_id, card.id, 1)
        assert answerer.teacher is not None
        await answerer.teacher.settled()
        await store.flush()
        (question,) = await store.questions()
        assert (question.id, question.card, question.platform) == (asked.question_id, card.id, "discord")
        assert [(vote.card, vote.helpful) for vote in await store.votes()] == [(card.id, True)]
        assert len(await store.picks()) == 1
    finally:
        await store.close()


async def test_a_vote_the_store_cannot_record_gets_a_polite_reply(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder\n")
    settings = load_settings(knowledge_dir=FIXTURE_KNOWLEDGE, data_dir=tmp_path / "file" / "data")
    store = await start_store(settings)  # cannot open: the bot answers without it
    try:
        bot = make_bot()
        answerer = Answerer(bot.holder, settings, "discord", store)
        card = bot.holder.engine.cards[0]
        asked = await answerer.ask(card.title, ASKER)
        assert asked.reply is not None
        assert asked.reply.card is card
        assert await answerer.vote(asked.question_id, 1, card.id, helpful=True) == replies.FEEDBACK_NOT_RECORDED
    finally:
        await store.close()
