from pathlib import Path

from bench.synthetic import ALTERNATES, workload, write_knowledge
from bot.cards import load_knowledge


def test_workload_is_deterministic() -> None:
    first, second = workload(50, 40), workload(50, 40)
    assert first.queries == second.queries
    assert first.prefixes == second.prefixes
    assert [card.questions for card in first.knowledge.cards.values()] == [
        card.questions for card in second.knowledge.cards.values()
    ]


def test_workload_has_the_asked_sizes() -> None:
    work = workload(120, 300)
    assert len(work.knowledge.cards) == 120
    assert all(len(card.questions) == ALTERNATES for card in work.knowledge.cards.values())
    assert len(work.queries) == len(work.prefixes) == 300
    assert all(3 <= len(prefix) <= 10 for prefix in work.prefixes)


def test_queries_mix_known_and_unknown_questions() -> None:
    work = workload(200, 500)
    known = {question for card in work.knowledge.cards.values() for question in card.questions}
    exact = sum(query in known for query in work.queries)
    assert exact < len(work.queries) // 2  # mostly typos, partial, reordered or out of scope
    vocabulary = {word for question in known for word in question.split()}
    foreign = sum(not set(query.split()) <= vocabulary for query in work.queries)
    assert foreign > len(work.queries) // 10  # typos and off-topic words


def test_names_suffice_for_the_largest_size() -> None:
    # 100,000 cards draw 25,000 distinct product names; generating them must end, and quickly.
    from random import Random

    from bench.synthetic import _product_names

    assert len(_product_names(Random(1), 25_000)) == 25_000


def test_written_cards_load_as_they_were_made(tmp_path: Path) -> None:
    made = workload(60, 0).knowledge
    write_knowledge(made, tmp_path)
    loaded, problems = load_knowledge(tmp_path)
    assert not [problem for problem in problems if not problem.warning]
    assert {card.id: (card.questions, card.answer) for card in loaded.cards.values()} == {
        card.id: (card.questions, card.answer) for card in made.cards.values()
    }
