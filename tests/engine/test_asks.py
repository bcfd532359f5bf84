import pytest

from bot.engine.asks import answered_kinds, asks


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("when was the open compute project founded", {"time"}),
        ("llama 3 when", {"time"}),  # the asking word at the end
        ("what year did facebook become meta", {"time"}),
        ("which city is fair based in", {"place"}),
        ("what data does meta share", set()),
        ("hey bot who made pytorch", {"person"}),  # a greeting before it
        ("whered you get that from", {"place"}),
        ("how many gpus does meta have", {"amount"}),
        ("zuck buying nvidia chips how many", {"amount"}),  # an amount asked anywhere
        ("how do i install pytorch", {"steps"}),
        ("how to fine tune llama", {"steps"}),
        ("who knows how much it cost", {"person", "amount"}),
        ("what counts as open source when it comes to ai", set()),  # "when" joining two clauses asks nothing
        ("ip rights problem when you open source stuff", set()),
        ("why did meta open source llama", set()),
        ("how does open source help", set()),  # how something works, not steps to follow
        ("", set()),
    ],
)
def test_the_kind_of_fact_a_question_asks_for(question: str, kinds: set[str]) -> None:
    assert asks(question) == kinds


def test_a_card_answers_every_kind_its_questions_ask() -> None:
    assert answered_kinds(["what is llama 3", "when is llama 3 coming", "who makes llama"]) == {"time", "person"}
    assert answered_kinds([]) == frozenset()
