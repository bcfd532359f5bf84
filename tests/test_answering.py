"""`Answerer`, the one path of a question on every platform, without any platform around it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import replies
from bot.answering import Answerer, Asker
from bot.engine import Outcome
from bot.guard import Refusal, Refused
from bot.holder import EngineHolder
from bot.learn.learned import Learned, question_key
from bot.policy import Verdict, Via
from bot.replies import Reply
from bot.settings import Settings, load_settings
from bot.store import open_store, start_store
from tests.conftest import FIXTURE_KNOWLEDGE

ASKER = Asker(user_id=1, guild_id=2, channel_id=3, via=Via.ASK)
OVERHEARD = Asker(user_id=1, guild_id=2, channel_id=3, via=Via.CHANNEL)


@pytest.fixture(scope="module")
def holder() -> EngineHolder:
    return EngineHolder(FIXTURE_KNOWLEDGE)


def settings(**overrides: object) -> Settings:
    return load_settings(_env_file=None, knowledge_dir=FIXTURE_KNOWLEDGE, **overrides)


def answerer(holder: EngineHolder, **overrides: object) -> Answerer:
    return Answerer(holder, settings(**overrides), "slack")


async def test_a_too_long_question_does_not_spend_the_cooldown(holder: EngineHolder) -> None:
    asking = answerer(holder, cooldown_seconds=60, cooldown_burst=1)
    assert (await asking.ask("x" * 10_000, ASKER)).outcome is Refused.TOO_LONG
    title = holder.engine.cards[0].title
    assert (await asking.ask(title, ASKER)).reply is not None
    assert (await asking.ask(title, ASKER)).outcome is Refused.COOLDOWN
    assert (await asking.ask(title, Asker(9, 2, 3, Via.ASK))).reply is not None  # per user, not per channel


async def test_chatter_in_an_answer_channel_is_not_looked_up_and_spends_no_cooldown(holder: EngineHolder) -> None:
    asking = answerer(holder, cooldown_seconds=60, cooldown_burst=1)
    chatter = await asking.ask("good morning everyone", OVERHEARD)
    assert (chatter.verdict, chatter.reply, chatter.refusal) == (Verdict.SILENT, None, None)
    asked = await asking.ask(f"{holder.engine.cards[0].title.rstrip('?')}?", OVERHEARD)
    assert asked.verdict is Verdict.PUBLIC
    assert asked.reply is not None
    assert asked.reply.card is holder.engine.cards[0]
    assert asked.outcome is Outcome.ANSWERED


async def test_who_sees_the_reply_follows_the_way_it_was_asked(holder: EngineHolder) -> None:
    asking = answerer(holder)
    title = holder.engine.cards[0].title
    assert (await asking.ask(title, ASKER)).verdict is Verdict.PUBLIC
    assert (await asking.ask(title, Asker(1, 2, 3, Via.ASK, private=True))).verdict is Verdict.PRIVATE
    declined = await asking.ask("what is the boiling point of tungsten", ASKER)
    assert declined.reply is not None
    assert not declined.reply.answered
    assert declined.verdict is Verdict.PRIVATE  # a decline to /ask is for the asker alone
    assert (await asking.ask("what is the boiling point of tungsten", OVERHEARD)).verdict is Verdict.SILENT


async def test_a_question_is_read_without_bidirectional_controls(holder: EngineHolder) -> None:
    asked = await answerer(holder).ask("how do I get a \u202erole\u202c?", ASKER)
    assert asked.question == "how do I get a role?"


async def test_a_click_shows_its_card_spends_the_cooldown_and_refuses_a_card_gone(holder: EngineHolder) -> None:
    asking = answerer(holder, cooldown_seconds=60, cooldown_burst=2)
    card = holder.engine.cards[0]
    shown = asking.card(card.id, user_id=1)
    assert isinstance(shown, Reply)
    assert shown.card is card
    gone = asking.card("no-such-card", user_id=5)
    assert isinstance(gone, Refusal)
    assert gone.reason is Refused.CARD_GONE
    assert (await asking.ask(card.title, ASKER)).reply is not None  # the click was the first of a burst of two
    slowed = asking.card(card.id, user_id=1)
    assert isinstance(slowed, Refusal)
    assert slowed.reason is Refused.COOLDOWN


async def test_autocomplete_offers_the_card_whose_title_is_typed(holder: EngineHolder) -> None:
    card = holder.engine.cards[0]
    assert card in await answerer(holder).autocomplete(card.title[:12], limit=5)


async def test_one_structured_line_per_question(holder: EngineHolder, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    card = holder.engine.cards[0]
    await answerer(holder).ask(card.title, ASKER)
    (record,) = [r for r in caplog.records if r.message.startswith("question ")]
    assert record.fields["card"] == card.id
    assert record.fields["platform"] == "slack"
    assert float(record.fields["score"]) == 100.0
    assert float(record.fields["latency_ms"]) >= 0


async def test_questions_votes_and_picks_are_recorded_under_the_platform(holder: EngineHolder, tmp_path: Path) -> None:
    config = settings(data_dir=tmp_path)
    store = await open_store(config)
    try:
        asking = Answerer(holder, config, "console", store)
        card = holder.engine.cards[0]
        asked = await asking.ask(card.title, ASKER)
        assert asked.question_id is not None
        assert await asking.vote(asked.question_id, 1, card.id, helpful=True) == replies.FEEDBACK_THANKS
        assert await asking.vote(asked.question_id, 1, card.id, helpful=False) == replies.FEEDBACK_ALREADY
        asking.pick(asked.question_id, card.id, 1)
        assert asking.teacher is not None
        await asking.teacher.settled()
        await asking.ask("good morning everyone", OVERHEARD)  # not looked up: not recorded
        await store.flush()
        (question,) = await store.questions()
        assert (question.id, question.card, question.platform) == (asked.question_id, card.id, "console")
        assert [(vote.card, vote.helpful) for vote in await store.votes()] == [(card.id, True)]
        assert len(await store.picks()) == 1
    finally:
        await store.close()


async def test_a_vote_the_store_cannot_record_gets_a_polite_reply(holder: EngineHolder, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder\n")
    config = settings(data_dir=tmp_path / "file" / "data")
    store = await start_store(config)  # cannot open: the bot answers without it
    try:
        asking = Answerer(holder, config, "discord", store)
        card = holder.engine.cards[0]
        asked = await asking.ask(card.title, ASKER)
        assert asked.reply is not None
        assert asked.reply.card is card
        assert await asking.vote(asked.question_id, 1, card.id, helpful=True) == replies.FEEDBACK_NOT_RECORDED
    finally:
        await store.close()


async def test_the_console_is_answered_as_a_chat_is_with_no_cooldown(holder: EngineHolder) -> None:
    console = Answerer.for_console(holder, settings(cooldown_seconds=60, cooldown_burst=1))
    title = holder.engine.cards[0].title
    chatted = (await answerer(holder).ask(title, ASKER)).reply
    assert chatted is not None
    for _ in range(3):  # one person at a keyboard: never told to slow down
        reply = console.reply(title)
        assert isinstance(reply, Reply)
        assert (reply.card, reply.outcome, reply.score) == (chatted.card, Outcome.ANSWERED, 100.0)
    refused = console.reply("x" * 10_000)
    assert isinstance(refused, Refusal)
    assert refused.reason is Refused.TOO_LONG


async def test_a_card_voted_down_on_a_question_is_not_its_answer_on_the_console_either(holder: EngineHolder) -> None:
    card = holder.engine.cards[0]
    console = Answerer.for_console(holder, settings())
    taught = holder.learned
    holder.learned = Learned.of([], [(question_key(card.title), card.id)])
    try:
        reply = console.reply(card.title)
    finally:
        holder.learned = taught
    assert isinstance(reply, Reply)
    assert reply.card is None
    assert reply.suggestions[0] is card  # offered first, as on Discord and Slack


def test_a_card_picked_by_hand_is_a_reply_of_its_own_with_no_match(holder: EngineHolder) -> None:
    card = next(card for card in holder.cards if card.related)
    reply = replies.card_reply(card, holder.knowledge)
    assert (reply.match, reply.outcome, reply.score, reply.answered) == (None, Outcome.ANSWERED, 100.0, True)
    assert [related.id for related in reply.related] == [i for i in card.related if i in holder.knowledge.cards]
    assert reply.caveat is None


def test_a_refused_question_keeps_the_json_contract_of_an_answered_one(holder: EngineHolder) -> None:
    console = Answerer.for_console(holder, settings())
    answered, refused = console.reply(holder.cards[0].title), console.reply("   ")
    assert isinstance(answered, Reply)
    assert isinstance(refused, Refusal)
    as_json, refusal = replies.as_json(answered), replies.refusal_as_json("   ", refused.reason)
    assert list(refusal) == list(as_json)
    assert (refusal["outcome"], refusal["answered"], refusal["card"]) == ("empty", False, None)


def test_the_closest_card_is_named_only_when_close_enough_to_offer(holder: EngineHolder) -> None:
    card = holder.cards[0]
    closest = holder.closest(card.title)
    assert closest is not None
    assert closest.card is card
    assert holder.closest("zzxq vvwk") is None


async def test_more_cards_need_a_recorded_question_and_spend_the_cooldown(holder: EngineHolder, tmp_path: Path) -> None:
    config = settings(data_dir=tmp_path, cooldown_seconds=60, cooldown_burst=2)
    assert await answerer(holder).more(None, 1, 1) == Refusal(Refused.CARD_GONE, replies.QUESTION_GONE)  # no store
    store = await open_store(config)
    try:
        asking = Answerer(holder, config, "console", store)
        asked = await asking.ask("what is the meaning of python", ASKER)  # a decline: its cards found again
        assert asked.question_id is not None
        assert asked.reply is not None
        more = await asking.more(asked.question_id, 0, 1)
        assert isinstance(more, Reply)
        assert more.suggestions == asked.reply.suggestions
        assert more.hint == asking.hint
        refused = await asking.more(asked.question_id, 0, 1)
        assert isinstance(refused, Refusal)
        assert refused.reason is Refused.COOLDOWN  # a question and a click: the burst of two is spent
        assert await asking.more("no-such-question", 0, 2) == Refusal(Refused.CARD_GONE, replies.QUESTION_GONE)
    finally:
        await store.close()
