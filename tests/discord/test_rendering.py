from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from bot import replies
from bot.cards import load_knowledge_strict
from bot.cards.model import Card, CardSource
from bot.discord import embeds
from bot.discord.components import CUSTOM_ID_MAX_CHARS, answer_view, suggestion_view
from bot.engine import Match, Outcome, Suggestion
from bot.replies import Reply, card_reply
from tests.bidi import QUESTION, controls_in, knowledge_with_controls
from tests.discord.helpers import make_bot


def test_a_long_card_is_cut_to_discord_limits() -> None:
    bot = make_bot()
    knowledge = bot.holder.engine.knowledge
    card = dataclasses.replace(bot.holder.engine.cards[0], questions=("q" * 300,), answer="a" * 5000)
    embed = embeds.answer_embed(card_reply(card, knowledge))
    assert len(embed.title) <= embeds.TITLE_MAX_CHARS
    assert len(embed.description) <= embeds.DESCRIPTION_MAX_CHARS
    assert len(embed) <= 6000


def test_only_web_and_mail_links_of_a_card_stay_links() -> None:
    bot = make_bot()
    answer = "Ask [the admins](@U1), [everyone](!channel) or [mail](mailto:a@b.org); see [docs](https://x.org)."
    card = dataclasses.replace(bot.holder.engine.cards[0], answer=answer)
    embed = embeds.answer_embed(card_reply(card, bot.holder.engine.knowledge))
    assert embed.description == "Ask the admins, everyone or [mail](mailto:a@b.org); see [docs](https://x.org)."


def test_a_card_shows_without_bidirectional_controls(tmp_path: Path) -> None:
    knowledge = load_knowledge_strict(knowledge_with_controls(tmp_path))
    reply = card_reply(knowledge.cards["lights"], knowledge)
    embed = embeds.answer_embed(reply)
    view = answer_view(dataclasses.replace(reply, related=(knowledge.cards["lights"],)), None)
    assert view is not None
    labels = [str(getattr(item, "label", "")) for item in view.children]
    assert embed.title == QUESTION
    assert controls_in(json.dumps([embed.to_dict(), labels], ensure_ascii=False)) == set()


def test_source_is_linked_only_when_it_has_a_url() -> None:
    bot = make_bot()
    knowledge = bot.holder.engine.knowledge
    for card in knowledge.cards.values():
        source = knowledge.source_of(card)
        field = embeds.answer_embed(card_reply(card, knowledge)).fields[0]
        assert field.name == replies.SOURCE
        assert (f"]({source.url})" in field.value) is bool(source.url)


def test_custom_ids_fit_and_too_long_ids_drop_the_question_then_the_component() -> None:
    bot = make_bot()
    knowledge = bot.holder.engine.knowledge
    reply = card_reply(bot.holder.engine.cards[0], knowledge)
    view = answer_view(reply, "q" * 40)
    assert view is not None
    assert all(len(item.custom_id) <= CUSTOM_ID_MAX_CHARS for item in view.children)
    long_card = Card(id="c" * 120, questions=("Long?",), answer="x", source=CardSource(document="handbook"))
    assert answer_view(Reply(reply.outcome, reply.score, long_card, reply.source, (), ()), "q1") is None


def test_did_you_mean_lists_the_suggestions_and_a_decline_never_echoes() -> None:
    bot = make_bot()
    cards = bot.holder.engine.cards[:3]
    match = Match("@everyone secret question", Outcome.LOW_SCORE, 20.0, None, tuple(Suggestion(c, 40.0) for c in cards))
    reply = replies.reply_for(match, bot.holder.engine.knowledge)
    view = suggestion_view(reply, "abc")
    assert view is not None
    (select,) = view.children
    assert [option.value for option in select.item.options] == [card.id for card in cards]
    embed = embeds.reply_embed(reply)
    assert "secret" not in str(embed.to_dict())
    assert embed.title == replies.DECLINE


def test_small_talk_gets_a_friendly_word_rather_than_a_decline() -> None:
    engine = make_bot().holder.engine
    reply = replies.reply_for(engine.answer("thanks bot!"), engine.knowledge)
    assert not reply.answered
    assert reply.headline == replies.DECLINE_NO_QUESTION
    assert embeds.reply_embed(reply).title == replies.DECLINE_NO_QUESTION


def test_topic_pages_list_every_card_once() -> None:
    knowledge = make_bot().holder.engine.knowledge
    pages = embeds.topic_pages(knowledge)
    lines = [line for page in pages for field in page.fields for line in field.value.splitlines()]
    assert sorted(lines) == sorted(f"• {card.title}" for card in knowledge.cards.values())


def test_more_follows_the_suggestions_only_for_a_recorded_question_with_more_cards() -> None:
    bot = make_bot()
    cards = bot.holder.engine.cards[:3]
    match = Match("vague", Outcome.LOW_SCORE, 20.0, None, tuple(Suggestion(c, 40.0) for c in cards), more=True)
    reply = replies.reply_for(match, bot.holder.engine.knowledge)
    view = suggestion_view(reply, "abc")
    assert view is not None
    _, more = view.children
    assert more.item.custom_id == "faq:more:1:abc"
    assert more.item.label == replies.MORE
    unrecorded = suggestion_view(reply, None)
    assert unrecorded is not None
    assert len(unrecorded.children) == 1  # the cards are found again from the recorded question: none, no More…
    last = suggestion_view(dataclasses.replace(reply, paging=replies.Paging(2, False)), "abc")
    assert last is not None
    assert len(last.children) == 1
