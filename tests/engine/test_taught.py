"""Phrasings members taught a card answer their question reworded, and pull nothing else toward the card."""

from dataclasses import replace

import pytest

from bot.cards import KnowledgeBase
from bot.cards.model import Card, CardSource
from bot.engine import Engine


@pytest.fixture(scope="module")
def taught(knowledge: KnowledgeBase) -> tuple[Engine, Engine]:
    """The fixture cards without and with a phrasing members taught the merch card, chat words and all."""
    merch = Card(
        id="merch",
        questions=("Where can I buy the server hoodie?", "merch store link"),
        answer="The hoodie is sold in the merch store.",
        source=CardSource(document="handbook"),
    )
    learned = replace(
        merch,
        learned=(
            "can i get the hoodie shipped to europe, asking for the whole chat",
            "eli5 hoodie sizes pls",
            "do you folks ship the hoodie",
        ),
    )
    return (
        Engine(replace(knowledge, cards={**knowledge.cards, "merch": merch})),
        Engine(replace(knowledge, cards={**knowledge.cards, "merch": learned})),
    )


def test_a_learned_phrasing_answers_its_question_reworded(taught: tuple[Engine, Engine]) -> None:
    _, engine = taught
    match = engine.answer("could i get the hoodie shipped to europe?")
    assert match.answered
    assert match.card is not None
    assert match.card.id == "merch"


def test_a_learned_phrasing_does_not_pull_a_question_that_shares_a_word_with_it(
    taught: tuple[Engine, Engine],
) -> None:
    """A question sharing one word with the learned phrasing scores the merch card as it did before the learning."""
    before, after = taught
    question = "whats the best region for europe players"
    score = {engine: {s.card.id: s.score for s in engine.rank(question)}.get("merch", 0.0) for engine in taught}
    assert score[after] == pytest.approx(score[before], abs=1.0)
    assert after.answer(question).card == before.answer(question).card


def test_a_greeting_s_left_over_word_is_not_answered_from_a_learned_phrasing(taught: tuple[Engine, Engine]) -> None:
    """ "good morning chat" comes down to "chat", a word only the learned phrasing uses: not enough to answer it."""
    _, engine = taught
    assert "chat" in engine.vocabulary.learned_only
    assert not engine.answer("good morning chat ☕").answered


def test_chat_shorthand_in_a_learned_phrasing_stays_filler(taught: tuple[Engine, Engine]) -> None:
    """Taught "eli5 hoodie sizes pls", the merch card does not draw every "eli5" question: the word is still left out,
    as it is where no card's own words use it."""
    _, engine = taught
    assert "eli5" in engine.vocabulary.learned_only
    scores = [
        [(s.card.id, s.score) for s in engine.rank(question)]
        for question in ("eli5 when are the events", "when are the events")
    ]
    assert scores[0] == scores[1]
