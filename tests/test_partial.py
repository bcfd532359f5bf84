"""A partial answer: the card on the question's subject, with one line saying what it does not hold."""

import json

import pytest

from bot import policy, replies
from bot.cards import KnowledgeBase, load_knowledge_strict
from bot.discord import embeds
from bot.engine import Engine, Match, Outcome
from bot.engine.matcher import UNANSWERED_FACTOR, Lacking, Suggestion
from bot.policy import Result, Via
from bot.slack import blocks
from bot.store.records import QuestionRow
from tests.conftest import SHIPPED_KNOWLEDGE


@pytest.fixture(scope="module")
def shipped() -> Engine:
    return Engine(load_knowledge_strict(SHIPPED_KNOWLEDGE))


@pytest.mark.parametrize(
    ("question", "card", "caveat"),
    [
        (
            "when was pytorch created",
            "what-is-pytorch",
            "The cards don't say when. Here is what they say about pytorch:",
        ),
        (
            "what license is llama 2 under",
            "llama-2-open-sourced",
            "The cards say nothing about license. Here is what they say about llama 2:",
        ),
    ],
)
def test_a_card_lacking_the_detail_asked_is_given_with_a_line_that_says_so(
    shipped: Engine, question: str, card: str, caveat: str
) -> None:
    match = shipped.answer(question)
    assert match.outcome is Outcome.PARTIAL
    assert match.answered
    assert match.card is not None
    assert match.card.id == card
    reply = replies.reply_for(match, shipped.knowledge)
    assert reply.caveat == caveat
    assert json.loads(json.dumps(replies.as_json(reply)))["outcome"] == "partial"
    assert embeds.answer_embed(reply).description.startswith(caveat)
    assert caveat in json.dumps(blocks.answer(reply, None).blocks)


def test_no_card_on_the_subject_is_still_a_decline(shipped: Engine) -> None:
    assert not shipped.answer("what's the capital of australia").answered


def test_a_card_that_has_the_one_word_in_passing_is_not_on_the_subject(shipped: Engine) -> None:
    """The Open Compute card speaks of data centers; "center an image" is no question about it."""
    match = shipped.answer("how do i center an image")
    assert match.outcome is Outcome.LOW_SCORE
    assert "open-compute-project" in [suggestion.card.id for suggestion in match.suggestions]


def test_a_card_holding_none_of_the_question_s_words_is_not_on_its_subject(
    shipped: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lacking only the kind of fact asked, and holding no word of the question: no subject to be on, a decline (it
    raised IndexError on a generated base of 100,000 cards: "how do i ban a old garfenquara lock")."""
    card = shipped.cards[0]
    halved = Suggestion(card, shipped.threshold * UNANSWERED_FACTOR + 1.0, halved=True)  # would pass but for halving
    monkeypatch.setattr(shipped, "_lacking_of", lambda suggestion, question: Lacking(("steps",), (), ()))
    assert shipped._decide("how do i frobnicate", [halved]).outcome is Outcome.LOW_SCORE


def test_a_question_that_undoes_the_card_s_word_is_answered_partially(knowledge: KnowledgeBase) -> None:
    """A card on installing Python holds the opposite of uninstalling it, however many words they share."""
    engine = Engine(knowledge)
    match = engine.answer("how do i uninstall python")
    assert match.outcome is Outcome.PARTIAL
    assert match.card is not None
    assert match.card.id == "python-install"
    caveat = replies.reply_for(match, engine.knowledge).caveat
    assert caveat == "The cards say nothing about uninstall. Here is what they say about python:"
    assert engine.answer("how do i install python").outcome is Outcome.ANSWERED


def test_a_full_answer_has_no_caveat(knowledge: KnowledgeBase) -> None:
    engine = Engine(knowledge)
    match = engine.answer("How do I install Python?")
    assert match.outcome is Outcome.ANSWERED
    assert replies.reply_for(match, knowledge).caveat is None


def test_an_answer_channel_hears_no_partial_answer() -> None:
    assert policy.result_of(Via.CHANNEL, Outcome.PARTIAL) is Result.DECLINE
    assert policy.result_of(Via.MENTION, Outcome.PARTIAL) is Result.ANSWER
    assert policy.result_of(Via.CHANNEL, Outcome.ANSWERED) is Result.ANSWER


def test_a_partial_answer_is_no_answer_for_chatter(shipped: Engine) -> None:
    assert shipped.answer("what's a good recipe for banana bread").outcome is not Outcome.PARTIAL


def test_reports_count_a_partial_answer_as_answered() -> None:

    row = QuestionRow(
        "id", 0.0, "discord", "1", "2", "hash", "when was pytorch created", "what-is-pytorch", 20.0, "partial"
    )
    assert row.answered


@pytest.mark.parametrize(
    ("question", "lacking", "caveat"),
    [
        (
            "who is building all those giant GPU clusters for meta",
            Lacking(("person",), (), ("building", "gpu", "clusters", "meta")),
            "The cards don't say who. Here is what they say about GPU clusters:",
        ),
        (
            "when is Llama 4 coming out",
            Lacking((), ("4",), ("llama", "coming")),
            "The cards say nothing about Llama 4. Here is what they say about Llama:",
        ),
        (
            "which datasets was llama 2 trained on",
            Lacking((), ("datasets",), ("llama", "2", "trained")),
            "The cards say nothing about datasets. Here is what they say about llama 2:",
        ),
    ],
)
def test_the_caveat_names_the_subject_as_the_question_typed_it(
    knowledge: KnowledgeBase, question: str, lacking: Lacking, caveat: str
) -> None:
    card = next(iter(knowledge.cards.values()))
    match = Match(question, Outcome.PARTIAL, 20.0, card, lacking=lacking)
    assert replies.reply_for(match, knowledge).caveat == caveat
