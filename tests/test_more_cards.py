"""More…: the cards a decline did not show, three at a time; and after a 👎 the cards that come next but for it."""

from __future__ import annotations

import pytest

from bot import more_cards, replies
from bot.cards.model import Card, CardSource, KnowledgeBase
from bot.engine import Engine
from bot.learn import learned as learning
from bot.learn.learned import Learned, question_key

TOPICS = ("bank", "raids", "ranks", "events", "recruiting", "chat rules", "officers", "alliances")
QUESTION = "guild"  # a word every card shares, none answers: a decline with every card worth offering


def guild() -> KnowledgeBase:
    """Eight cards about one guild."""
    cards = {
        topic.replace(" ", "-"): Card(
            id=topic.replace(" ", "-"),
            questions=(f"how do the guild {topic} work?",),
            answer=f"The guild {topic} are explained in the handbook.",
            source=CardSource(document="handbook"),
        )
        for topic in TOPICS
    }
    return KnowledgeBase({}, cards)


@pytest.fixture(scope="module")
def strict() -> Engine:
    """The guild's cards, and a threshold no vague question reaches."""
    return Engine(guild(), threshold=90.0, margin=0.0)


def ids(reply: replies.Reply) -> list[str]:
    return [card.id for card in reply.suggestions]


def test_a_decline_says_when_more_cards_are_worth_offering_than_it_shows(strict: Engine) -> None:
    match = strict.answer(QUESTION)
    assert not match.answered
    assert len(match.suggestions) == 3
    assert match.more
    reply = replies.reply_for(match, strict.knowledge)
    assert reply.paging == replies.Paging(0, True)
    assert not strict.answer("how do the guild bank work?").more  # answered: nothing to page


def test_the_pages_follow_the_decline_s_own_cards_without_repeating_one(strict: Engine) -> None:
    first = more_cards.page(strict, Learned(), QUESTION, 0)
    assert ids(first) == [suggestion.card.id for suggestion in strict.answer(QUESTION).suggestions]
    pages = [first, *(more_cards.page(strict, Learned(), QUESTION, number) for number in (1, 2))]
    shown = [card for page in pages for card in ids(page)]
    assert sorted(shown) == sorted(card.replace(" ", "-") for card in TOPICS)  # eight cards: three, three, two
    assert [page.paging.more for page in pages if page.paging] == [True, True, False]
    assert [page.offer for page in pages] == [replies.DID_YOU_MEAN, replies.MORE_CARDS, replies.MORE_CARDS]
    assert ids(more_cards.page(strict, Learned(), QUESTION, 3)) == []


def test_nine_cards_at_most_are_offered() -> None:
    cards = {
        f"topic-{n}": Card(
            id=f"topic-{n}",
            questions=(f"what about guild topic {n}?",),
            answer="See the handbook.",
            source=CardSource(document="handbook"),
        )
        for n in range(12)
    }
    engine = Engine(KnowledgeBase({}, cards), threshold=90.0, margin=0.0)
    assert len(more_cards.offers(engine, Learned(), "guild topic")) == more_cards.PAGES_MAX * 3


def test_after_a_thumbs_down_the_next_cards_leave_the_answer_out(strict: Engine) -> None:
    ranked = [suggestion.card.id for suggestion in strict.rank(QUESTION)]
    voted_down = ranked[0]
    others = more_cards.page(strict, Learned(), QUESTION, 0, without=voted_down)
    assert ids(others) == ranked[1:4]
    assert others.headline == replies.NOT_IT
    assert others.paging is not None
    assert not others.paging.more  # one list after a 👎: the member rephrases past it


def test_a_card_voted_down_on_the_question_heads_its_decline_and_more_follows() -> None:
    """A card `LEARN_MIN_USERS` members voted down on a question is offered first, not answered; the others follow."""
    answering = Engine(guild(), threshold=0.0, margin=0.0)
    answer = answering.answer(QUESTION).card
    assert answer is not None
    blocked = Learned(blocked=frozenset({(question_key(QUESTION), answer.id)}))
    match = learning.answer(answering, blocked, QUESTION)
    assert not match.answered
    assert match.more
    first = more_cards.page(answering, blocked, QUESTION, 0)
    assert ids(first)[0] == answer.id
    assert answer.id not in ids(more_cards.page(answering, blocked, QUESTION, 1))
