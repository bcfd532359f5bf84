from bot.cards import KnowledgeBase
from bot.engine import Engine
from bot.engine.explain import explain, format_explanation


def test_explain_shows_words_cards_rules_and_the_decision(knowledge: KnowledgeBase) -> None:
    engine = Engine(knowledge)
    shown = explain(engine, "heyyy how do i instal pyhton on zorblax")
    readings = {word.typed: word.reading for word in shown.words}
    assert "heyyy" not in readings  # chat noise, left out before matching
    assert readings["pyhton"] == "a typo of python"
    assert readings["zorblax"].startswith("no card uses it")
    assert shown.cards[0].card.id == "python-install"
    assert ("python", shown.cards[0].matched[-1][1]) in shown.cards[0].matched
    assert "zorblax" in shown.cards[0].lacking
    text = format_explanation(shown)
    assert engine.decision() in text
    assert text.splitlines()[-1].startswith("decision: ")


def test_explain_names_the_rule_that_halved_a_score(knowledge: KnowledgeBase) -> None:
    card = explain(Engine(knowledge), "who organises the tournament").cards[0]
    assert card.card.id == "events"
    assert card.lowered == "the question asks for person, which the card does not give"
