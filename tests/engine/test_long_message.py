"""A long message decided whole with its story: the asking clause says what it names, the story only where a card
has it. Made-up messages over a small made-up bike club's cards."""

from dataclasses import replace

import numpy as np
import pytest

from bot.cards import KnowledgeBase
from bot.cards.model import Card, CardSource, Source
from bot.engine import Engine, Outcome, matcher
from bot.engine.explain import explain, format_explanation
from bot.engine.index import SparseIndex
from bot.engine.long_message import STORY_SHARE, asking_clause, told_coverage


def club_card(card_id: str, questions: tuple[str, ...], answer: str) -> Card:
    return Card(id=card_id, questions=questions, answer=answer, source=CardSource(document="club"))


CLUB_CARDS = (
    club_card(
        "bike-return",
        ("How do I return a rented bike?", "returning a hire bike", "where do rental bikes go back"),
        "Bring the bike to the club shed on your last rental day, or book the pickup van if you live far away.",
    ),
    club_card(
        "membership-fee",
        ("How much is the membership?", "yearly fee", "what does joining cost"),
        "Membership is 40 euros a year, paid at the spring meeting.",
    ),
    club_card(
        "ride-schedule",
        ("When are the group rides?", "weekly ride times", "sunday ride"),
        "Group rides leave the town square every Sunday at 9:00.",
    ),
    club_card(
        "puncture",
        ("How do I fix a flat tyre?", "puncture repair", "patch an inner tube"),
        "Take the wheel off, find the hole, and patch the tube with the kit in the shed.",
    ),
    club_card(
        "helmets",
        ("Do I need a helmet?", "helmet rules on rides", "can i ride without a helmet"),
        "Helmets are required on every club ride; the shed has spares to borrow.",
    ),
)

# The story names a move no card holds; the question, at the end, names the rented bike.
MOVING = (
    "i'm moving abroad at the end of the month and the removal van comes friday, so the flat is full of boxes. "
    "how do i give the rented bike back?"
)
ASKED = "how do i give the rented bike back?"


@pytest.fixture(scope="module")
def club() -> Engine:
    """The club's engine at a threshold as low as sparse cards get it (the example bases' are 15 to 18)."""
    sources = {"club": Source(id="club", title="Club handbook")}
    return Engine(KnowledgeBase(sources, {card.id: card for card in CLUB_CARDS}), threshold=15.0, margin=0.0)


def test_the_asking_clause_is_the_last_that_asks_with_a_story_besides_it() -> None:
    parts = ["i rented a bike in april", "is the shed open on sundays?", "i moved away", "what do i do now?"]
    assert asking_clause(parts) == "what do i do now?"
    assert asking_clause(["i rented a bike in april", "i moved away"]) is None  # nothing asked
    assert asking_clause(["what do i do now?"]) is None  # a question alone: no story to read it with


def test_the_story_counts_only_for_a_row_that_has_it_and_at_a_share_of_its_weight() -> None:
    # Rows: the asked word and the story's word; the asked word alone; the story's word alone. Each word is in two
    # of the three rows, so both weigh the same.
    words = SparseIndex([{"asked": 1.0, "story": 1.0}, {"asked": 1.0}, {"story": 1.0}], [0, 1, 2])
    rows = np.array([0, 1, 2])
    shares = told_coverage(words, {"asked": 1.0, "story": 1.0}, {"asked": 1.0}, rows)
    assert shares[0] == pytest.approx(1.0)
    assert shares[1] == pytest.approx(1.0)  # the story's word it lacks is not held against it
    assert shares[2] == 0.0  # the clause names a card's word this row lacks: the story does not speak for it
    # Read as a question, the whole message names both words, and each row lacking one holds half of it.
    assert words.covered({"asked": 1.0, "story": 1.0}, rows).tolist() == pytest.approx([1.0, 0.5, 0.5])
    # A clause whose word no card has ("any ideas?") leaves the story to speak, at its share of the weight.
    generic = told_coverage(words, {"idea": 1.0, "story": 1.0}, {"idea": 1.0}, rows)
    story, idea = STORY_SHARE * words.idf_of("story") ** 2, words.unknown_idf**2
    assert generic.tolist() == pytest.approx([story / (idea + story), 0.0, story / (idea + story)])


def test_a_card_that_holds_the_question_is_not_halved_for_the_story_it_lacks(club: Engine) -> None:
    whole = club.rank(MOVING)[0]
    assert whole.card.id == "bike-return"
    assert whole.halved  # as a question, the message names a move, a van and boxes, which the card lacks
    told = club.rank(MOVING, asked=ASKED)[0]
    assert told.card.id == "bike-return"
    assert not told.halved
    assert told.score == pytest.approx(2 * whole.score, abs=0.2)


def test_a_long_message_is_answered_whole_with_its_story_when_nothing_else_answers(club: Engine) -> None:
    told = club._told(MOVING, matcher.clauses(MOVING))
    assert told is not None
    assert told.outcome is Outcome.ANSWERED
    assert told.card is not None
    assert told.card.id == "bike-return"
    assert told.asked == ASKED
    assert told.question == MOVING  # decided on the whole message, not on a part of it


def test_a_story_that_mentions_a_card_does_not_answer_a_question_about_something_else(club: Engine) -> None:
    message = (
        "we did the sunday ride along the river last week and the weather was lovely, half the club came along. "
        "what's a good recipe for banana bread?"
    )
    assert club._told(message, matcher.clauses(message)) is None
    ranked = club.rank(message, asked="what's a good recipe for banana bread?")
    assert ranked[0].card.id == "ride-schedule"
    assert ranked[0].halved  # the recipe is what is asked, and no card holds it


def test_chat_noise_does_not_make_a_question_a_long_message(club: Engine) -> None:
    message = "hey everyone, newbie here. quick question: how do i give the rented bike back? thanks in advance"
    assert len(matcher.clauses(message)) > 1  # long as typed
    assert club._told(message, matcher.clauses(message)) is None  # short as matched


def test_the_whole_message_decides_when_neither_a_clause_nor_the_focused_question_does(
    club: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = (
        "the rental bike has been brilliant since april. my company is sending me abroad next month, the removal van "
        "comes friday and the flat is all boxes. what should i do?"
    )
    assert club.rank(message)[0].score < club.threshold  # halved for the move it names
    monkeypatch.setattr(club, "_focused", lambda question: None)  # the focused question aside, which answers it too
    match = club.answer(message)
    assert match.outcome is Outcome.ANSWERED
    assert match.card is not None
    assert match.card.id == "bike-return"
    assert match.asked == "what should i do?"
    assert match.decided_on is None


def test_explain_names_the_clause_a_long_message_was_read_by(club: Engine) -> None:
    told = club._told(MOVING, matcher.clauses(MOVING))
    assert told is not None
    text = format_explanation(replace(explain(club, MOVING), match=told))
    assert f"what it names read from its clause that asks: {ASKED!r}" in text
    assert text.splitlines()[-1] == f"decision: answered with bike-return (score {told.score:.1f})"
