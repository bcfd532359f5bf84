"""Broad questions: the overview card that covers the cards answering each part, else those cards to pick from."""

import json

import pytest

from bot import policy, replies
from bot.cards import load_knowledge_strict
from bot.cards.model import Card, CardSource, KnowledgeBase, Source
from bot.console import render
from bot.discord import embeds
from bot.engine import Engine, Outcome
from bot.engine.broad import broad_cue
from bot.policy import Result, Via
from bot.slack import blocks
from tests.conftest import SHIPPED_KNOWLEDGE

SOURCE = CardSource(document="handbook", section="Membership")


def card(card_id: str, questions: list[str], answer: str, covers: tuple[str, ...] = ()) -> Card:
    return Card(id=card_id, questions=tuple(questions), answer=answer, source=SOURCE, covers=covers)


PARTS = [
    card(
        "early-access",
        [
            "Do members get early access to new maps?",
            "can members play new maps first",
            "early access for members",
            "do members see maps before others",
        ],
        "Yes: members play each new map a week before everyone else.",
    ),
    card(
        "discount",
        [
            "Do members get a shop discount?",
            "is the shop cheaper for members",
            "member price in the store",
            "do members pay less",
        ],
        "Members pay 20% less for everything in the shop.",
    ),
    card(
        "lounge",
        [
            "Do members get a private channel?",
            "is there a lounge for members",
            "members only chat",
            "where do members talk",
        ],
        "Yes: members can read and write in the #lounge channel.",
    ),
    card("rules", ["What are the server rules?", "where are the rules"], "Be kind, no spam, no cheating."),
    card("report", ["How do I report a player?", "report a cheater"], "Use /report with the player's name."),
]
OVERVIEW = card(
    "membership",
    ["What does a membership include?", "what do i get as a member"],
    "Three things: early access to new maps, 20% off in the shop and the private #lounge channel.",
    ("early-access", "discount", "lounge"),
)


def engine_of(cards: list[Card], threshold: float = 30.0) -> Engine:
    """Cards with a few phrasings each score a broad question low: a base like this calibrates to a low threshold."""
    sources = {"handbook": Source(id="handbook", title="Handbook")}
    return Engine(KnowledgeBase(sources, {c.id: c for c in cards}), threshold=threshold, margin=0.0)


@pytest.mark.parametrize(
    ("question", "cue"),
    [
        ("what are the main criticisms of it", "main criticisms"),
        ("biggest upsides for a small team", "biggest upsides"),
        ("what next for the project", "what next"),
        ("whats next", "whats next"),
        ("what are the key things members get", "key things"),
        ("the main open questions", "main questions"),
    ],
)
def test_a_question_asking_for_a_whole_is_broad(question: str, cue: str) -> None:
    assert broad_cue(question) == cue


@pytest.mark.parametrize(
    "question",
    ["what is the main criticism of the shop", "is there a discount for members", "next map when", "key for the door"],
)
def test_a_question_asking_for_one_thing_is_not(question: str) -> None:
    assert broad_cue(question) is None


@pytest.mark.parametrize("question", ["what are the benefits members get", "members get what perks?"])
def test_a_broad_question_gets_the_overview_that_covers_its_parts(question: str) -> None:
    engine = engine_of([*PARTS, OVERVIEW], threshold=10.0)
    assert engine.rank(question)[0].card.id == "lounge"  # scored alone, one part would be the answer
    match = engine.answer(question)
    assert (match.outcome, match.card and match.card.id) == (Outcome.ANSWERED, "membership")
    assert match.broad


def test_an_overview_too_far_from_a_confident_answer_heads_the_list() -> None:
    match = engine_of([*PARTS, OVERVIEW]).answer("what are the main perks members get")
    assert match.outcome is Outcome.BROAD
    assert [s.card.id for s in match.suggestions][:1] == ["membership"]


@pytest.mark.parametrize("question", ["what are the main perks for members", "any benefits for members?"])
def test_without_an_overview_a_broad_question_gets_its_parts_to_pick_from(question: str) -> None:
    match = engine_of(PARTS).answer(question)
    assert match.outcome is Outcome.BROAD
    assert not match.answered
    assert {s.card.id for s in match.suggestions} == {"early-access", "discount", "lounge"}


@pytest.mark.parametrize(
    ("question", "card_id"),
    [("do members get a discount in the shop", "discount"), ("what are the rules", "rules")],
)
@pytest.mark.parametrize("threshold", [10.0, 30.0])
def test_a_specific_question_still_gets_its_one_card(question: str, card_id: str, threshold: float) -> None:
    match = engine_of([*PARTS, OVERVIEW], threshold).answer(question)
    assert (match.outcome, match.card and match.card.id, match.broad) == (Outcome.ANSWERED, card_id, None)


def test_off_topic_broad_questions_are_not_answered_with_an_overview() -> None:
    engine = engine_of([*PARTS, OVERVIEW])
    for question in ("what are the main benefits of electric cars", "whats next for the football league"):
        assert not engine.answer(question).answered


def test_the_parts_render_as_choices_on_every_platform() -> None:
    engine = engine_of(PARTS)
    match = engine.answer("what are the main perks for members")
    reply = replies.reply_for(match, engine.knowledge)
    assert (reply.headline, reply.offer) == (replies.BROAD, replies.PICK_PART)
    titles = [s.card.title for s in match.suggestions]
    assert render(reply).splitlines() == [replies.BROAD, replies.PICK_PART] + [
        f"  {n}. {title}" for n, title in enumerate(titles, 1)
    ]
    assert embeds.decline_embed(reply).description == replies.PICK_PART
    slack = blocks.render(reply, "q1")
    buttons = [element for block in slack.blocks if block["type"] == "actions" for element in block["elements"]]
    assert [button["text"]["text"] for button in buttons] == titles
    as_json = json.loads(json.dumps(replies.as_json(reply)))
    assert (as_json["outcome"], as_json["answered"], as_json["card"]) == ("broad", False, None)
    assert [s["card"] for s in as_json["suggestions"]] == [s.card.id for s in match.suggestions]
    assert policy.result_of(Via.MENTION, Outcome.BROAD) is Result.DECLINE  # a list to pick from, not an answer


@pytest.fixture(scope="module")
def shipped() -> Engine:
    return Engine(load_knowledge_strict(SHIPPED_KNOWLEDGE))


@pytest.mark.parametrize(
    ("question", "overview"),
    [
        ("what are meta's goals in open sourcing its next models", "why-meta-open-sources-ai"),
        ("so what comes next for meta and its ai?", "future-outlook"),
        ("give me all the criticisms of meta going open", "open-source-challenges"),
    ],
)
def test_broad_questions_on_the_shipped_cards_get_their_overview(shipped: Engine, question: str, overview: str) -> None:
    match = shipped.answer(question)
    assert (match.outcome, match.card and match.card.id) == (Outcome.ANSWERED, overview)
    assert match.card is not None
    assert match.card.covers


def test_the_shipped_overviews_cover_cards_that_exist(shipped: Engine) -> None:
    overviews = [card for card in shipped.cards if card.covers]
    assert len(overviews) >= 4
    assert all(set(card.covers) <= set(shipped.knowledge.cards) for card in overviews)
