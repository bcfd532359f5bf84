from dataclasses import replace

import pytest

from bot.cards import KnowledgeBase
from bot.cards.model import Card, CardSource
from bot.engine import Engine
from bot.engine.calibration import (
    CALIBRATION_CARDS_MAX,
    FLOOR,
    MIN_CARDS,
    N_FOLDS,
    OFF_TOPIC_ONLY_DECLINED,
    SAMPLED_FOLDS,
    Ranks,
    calibrate,
    choose,
    folds,
    off_topic_messages,
)
from bot.engine.matcher import FALLBACK_MARGIN, FALLBACK_THRESHOLD
from bot.settings import load_settings


def test_the_threshold_falls_between_what_should_be_answered_and_what_should_not() -> None:
    held_out = [(50.0, 20.0, True)] * 40 + [(45.0, 1.0, False)] * 5
    near_misses = [(30.0, 5.0)] * 30
    off_topic = [(10.0, 2.0)] * 100
    threshold, _, right, near, off = choose(held_out, near_misses, off_topic)
    assert 30.0 < threshold <= 50.0
    assert right == pytest.approx(40 / 45)
    assert near == off == 1.0


def test_a_threshold_is_never_under_what_a_suggestion_needs() -> None:
    threshold, *_ = choose([(20.0, 5.0, True)] * 20, [], [(19.0, 5.0)] * 10)
    assert threshold >= FLOOR >= 15.0


def _ranks_scaled_by(every: list[Card], kept: list[Card], trained_weight: float) -> Ranks:
    """An engine on `kept` whose right card scores 60 on the lexical scale, and anything else (a phrasing of a card
    left out, a generic message) 30, both shrunk as the trained part's spread shares shrink a blended score."""
    card_of = {question: card.id for card in every for question in card.questions}
    present = {card.id for card in kept}
    lexical = 1.0 - trained_weight

    def rank(question: str) -> tuple[str | None, float, float]:
        if card_of.get(question) in present:
            return card_of[question], 60.0 * lexical, 60.0 * lexical
        return kept[0].id, 30.0 * lexical, 30.0 * lexical

    return rank


@pytest.mark.parametrize("trained_weight", [0.0, 0.85])
def test_the_floor_follows_the_lexical_share_of_a_score(trained_weight: float) -> None:
    source = CardSource(document="docs")
    cards = [
        Card(f"card-{i}", tuple(f"question {i} phrased way {j}" for j in range(6)), "Yes.", source) for i in range(10)
    ]
    chosen = calibrate(
        cards,
        lambda kept: _ranks_scaled_by(cards, kept, trained_weight),
        (FALLBACK_THRESHOLD, FALLBACK_MARGIN),
        trained_weight,
    )
    # Between a generic message's score and a held-out phrasing's, on whatever scale the blend gives them: with the
    # trained part at 0.85 both sit under the lexical floor, which would decline every phrasing.
    assert 30.0 * (1 - trained_weight) < chosen.threshold <= 60.0 * (1 - trained_weight)
    assert chosen.held_out_right == chosen.near_misses_declined == chosen.off_topic_declined == 1.0


def test_each_card_is_left_out_once_and_never_loses_its_title(knowledge: KnowledgeBase) -> None:
    cards = list(knowledge.cards.values())
    made = folds(cards)
    assert len(made) == N_FOLDS
    absent = [phrase for fold in made for phrase in fold.absent]
    assert sorted(absent) == sorted(q for card in cards for q in (card.questions[1:] or card.questions))
    for fold in made:
        kept = {card.id: card for card in fold.cards}
        for question, card_id in fold.held_out:
            card = knowledge.cards[card_id]
            assert question != card.title
            assert question not in kept[card_id].questions
            assert kept[card_id].title == card.title


def test_a_large_base_is_calibrated_on_fewer_folds_of_a_sample() -> None:
    source = CardSource(document="docs")
    cards = [
        Card(
            f"card-{index}",
            (f"how do i fix thing {index}", f"broken thing {index}", f"help with thing {index}"),
            "Fix it.",
            source,
        )
        for index in range(CALIBRATION_CARDS_MAX + 50)
    ]
    made = folds(cards)
    assert len(made) == SAMPLED_FOLDS < N_FOLDS
    sample = {card.id for fold in made for card in fold.cards}
    assert len(sample) == CALIBRATION_CARDS_MAX  # the cards a fold keeps, and those it leaves out, are of the sample
    assert all(len(fold.cards) < CALIBRATION_CARDS_MAX for fold in made)
    left_out = [{f"card-{phrase.split()[-1]}" for phrase in fold.absent} for fold in made]
    for fold, absent in zip(made, left_out, strict=True):
        assert absent <= sample
        assert not absent & {card.id for card in fold.cards}
    assert all(not one & other for one in left_out for other in left_out if one is not other)  # each left out once


def test_the_engine_chooses_its_decision_from_the_cards_and_says_why(knowledge: KnowledgeBase) -> None:
    engine = Engine(knowledge)
    assert engine.calibration is not None
    assert not engine.calibration.fallback
    assert (engine.threshold, engine.margin) == (engine.calibration.threshold, engine.calibration.margin)
    assert engine.calibration.off_topic == len(off_topic_messages())
    assert "chosen on the cards" in engine.decision()


def test_a_number_overrides_the_chosen_one(knowledge: KnowledgeBase) -> None:
    engine = Engine(knowledge, threshold=55.0)
    assert engine.threshold == 55.0
    assert engine.calibration is not None
    assert engine.margin == engine.calibration.margin
    assert "(set)" in engine.decision()


def test_too_few_cards_take_the_threshold_from_generic_messages_alone(knowledge: KnowledgeBase) -> None:
    few = dict(list(knowledge.cards.items())[: MIN_CARDS - 1])
    engine = Engine(replace(knowledge, cards=few))
    chosen = engine.calibration
    assert chosen is not None
    assert chosen.fallback
    assert (engine.threshold, engine.margin) == (chosen.threshold, FALLBACK_MARGIN)
    # Low enough for a handful of cards to answer, high enough that generic chat is declined.
    assert engine.threshold < FALLBACK_THRESHOLD
    assert chosen.off_topic == len(off_topic_messages())
    assert chosen.off_topic_declined >= OFF_TOPIC_ONLY_DECLINED
    declined = sum(not engine.answer(message).answered for message in off_topic_messages())
    assert declined / len(off_topic_messages()) >= OFF_TOPIC_ONLY_DECLINED
    assert "generic off-topic messages declined" in engine.decision()


def test_a_base_with_no_card_keeps_the_fixed_defaults(knowledge: KnowledgeBase) -> None:
    engine = Engine(replace(knowledge, cards={}))
    assert (engine.threshold, engine.margin) == (FALLBACK_THRESHOLD, FALLBACK_MARGIN)
    assert "the defaults" in engine.decision()


@pytest.mark.parametrize(("value", "expected"), [("auto", None), ("AUTO", None), ("", None), ("42.5", 42.5)])
def test_match_settings_take_auto_or_a_number(value: str, expected: float | None) -> None:
    settings = load_settings(match_threshold=value, match_margin=value, match_trained_weight="auto")
    assert settings.match_threshold == settings.match_margin == expected
    assert settings.match_trained_weight is None
