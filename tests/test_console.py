import pytest

from bot import replies
from bot.answering import Answerer
from bot.console import Conversation, plain
from bot.holder import EngineHolder
from bot.settings import load_settings
from tests.conftest import FIXTURE_KNOWLEDGE
from tests.paged import GAMING, paged_question


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("Open the **#roles** channel", "Open the #roles channel"),
        ("**Llama** and **PyTorch**", "Llama and PyTorch"),
        ("call `f(**kwargs)` then **run**", "call `f(**kwargs)` then run"),
        ("`2 ** 8` is 256", "`2 ** 8` is 256"),
        ("a ** b", "a ** b"),  # no bold: spaces inside the markers
    ],
)
def test_bold_markers_go_but_code_keeps_its_stars(markdown: str, shown: str) -> None:
    assert plain(markdown) == shown


@pytest.fixture(scope="module")
def answerer() -> Answerer:
    settings = load_settings(_env_file=None, knowledge_dir=FIXTURE_KNOWLEDGE, question_max_chars=500)
    return Answerer.for_console(EngineHolder(FIXTURE_KNOWLEDGE), settings)


def chat_lines(answerer: Answerer, *lines: str) -> list[str]:
    """Each reply of a console chat to `lines`, typed one after the other."""
    conversation = Conversation(answerer)
    return [conversation.reply(line) for line in lines]


def test_a_related_card_is_numbered_and_its_number_shows_it(answerer: Answerer) -> None:
    answer, picked = chat_lines(answerer, "how do i get a role", "1")
    assert "Related:\n  1. What are the server rules?\n(card roles, score 100)" in answer
    assert answer.endswith("(type its number to see one; + or - to rate this answer)")
    assert picked.startswith("What are the server rules?\n\nBe kind, stay on topic")


def test_a_did_you_mean_card_is_picked_by_its_number(answerer: Answerer) -> None:
    decline, picked, other = chat_lines(answerer, "what is the meaning of python", "2", "7")
    assert (
        "Did you mean one of these?\n  1. How do I install Python?\n  2. How do I make a virtual environment?"
        in decline
    )
    assert picked.startswith("How do I make a virtual environment?\n\n")
    assert "(card virtualenv" in picked
    assert "(card" not in other  # no 7th choice: a question like any other


@pytest.mark.parametrize(("up", "down"), [("+", "-"), ("👍", "👎"), ("👍🏽", "👎️")])
def test_a_vote_on_an_answer_is_thanked_for_once(answerer: Answerer, up: str, down: str) -> None:
    replies_ = chat_lines(answerer, "how do i get a role", up, down, "server rules", down)
    assert replies_[1:3] == [replies.FEEDBACK_NO_RECORDS, replies.FEEDBACK_ALREADY]
    assert replies_[4] == replies.FEEDBACK_NO_RECORDS  # another answer: another vote


def test_a_vote_with_no_answer_to_rate_is_no_vote(answerer: Answerer) -> None:
    decline, vote = chat_lines(answerer, "what is the meaning of python", "+")
    assert "+ or - to rate" not in decline
    assert vote == replies.DECLINE_NO_QUESTION  # read as a message like any other


def gaming_answerer(threshold: float) -> Answerer:
    settings = load_settings(_env_file=None, knowledge_dir=GAMING, match_threshold=threshold, match_margin=0.0)
    return Answerer.for_console(EngineHolder(GAMING, threshold, 0.0), settings)


def test_more_typed_after_a_decline_shows_the_next_cards_to_pick_from() -> None:
    answerer = gaming_answerer(60.0)
    question = paged_question(answerer.holder.engine)
    decline, more, picked = chat_lines(answerer, question, "more", "1")
    assert decline.endswith("(type its number to see one; 'more' for more)")
    assert replies.MORE_CARDS in more
    first = answerer.page(question, 0).suggestions
    following = answerer.page(question, 1).suggestions
    assert f"  1. {following[0].title}" in more
    assert following[0] not in first
    assert picked.startswith(f"{following[0].title}\n\n")
    title = answerer.holder.engine.cards[0].title
    assert replies.MORE_CARDS not in chat_lines(answerer, title, "more")[1]  # after an answer, "more" is a question


def test_a_thumbs_down_shows_the_cards_that_come_next_without_the_answer() -> None:
    answerer = gaming_answerer(1.0)
    question = paged_question(gaming_answerer(60.0).holder.engine)
    answer, voted = chat_lines(answerer, question, "-")
    rated = answerer.holder.engine.answer(question).card
    assert rated is not None
    assert answer.startswith(rated.title)
    assert voted.startswith(f"{replies.FEEDBACK_NO_RECORDS}\n{replies.NOT_IT}\n{replies.DID_YOU_MEAN}")
    assert f"  1. {rated.title}" not in voted
