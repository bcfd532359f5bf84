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


def test_explain_says_which_part_of_a_long_message_decided(knowledge: KnowledgeBase) -> None:
    message = (
        "my friends and i saw people talking about a big tournament in the general chat yesterday and we really "
        "want to join in. when does it start?"
    )
    shown = explain(Engine(knowledge), message)
    assert shown.match.decided_on == "when does it start? tournament"
    assert "decided on this part of it: 'when does it start? tournament'" in format_explanation(shown)


def test_explain_says_a_word_matched_by_its_stem(knowledge: KnowledgeBase) -> None:
    """Not that no card uses it, when its stem is a card's and the card is shown having it."""
    shown = explain(Engine(knowledge), "installed python")
    reading = {word.typed: word.reading for word in shown.words}["installed"]
    assert reading.startswith("no card uses this form, but one has its stem: matched as instal 0.")
    assert "instal" in dict(shown.cards[0].matched)
