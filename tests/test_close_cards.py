"""The runners-up nearly as close as an answer are shown under it, first among its related cards."""

from bot import replies
from bot.cards import KnowledgeBase
from bot.engine import Engine
from bot.learn.replay import chose


def test_the_runners_up_come_first_among_the_related_cards_once_each(engine: Engine, knowledge: KnowledgeBase) -> None:
    match = engine.answer("python install venv")
    assert match.card is not None
    assert match.suggestions
    reply = replies.reply_for(match, knowledge)
    close = [suggestion.card.id for suggestion in match.suggestions]
    related = [card.id for card in reply.related]
    assert related[: len(close)] == close
    assert len(related) == len(set(related))
    assert match.card.id not in related
    assert set(match.card.related) <= set(related)
    assert reply.suggestions == ()  # under an answer they are related cards, not a "did you mean"


def test_a_runner_up_shown_under_an_answer_is_chosen_by_eval_learn(engine: Engine) -> None:
    """`eval --learn`'s member who meant the card offered under the answer picks it, as one who meant a related card."""
    match = engine.answer("python install venv")
    (runner_up,) = match.suggestions
    assert chose(match, runner_up.card.id, engine)
    assert not chose(match, "events", engine)
