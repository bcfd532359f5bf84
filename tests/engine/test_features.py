import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cards import KnowledgeBase, load_knowledge_strict
from bot.cards.model import Card, CardSource
from bot.engine import Engine
from bot.engine.built import ANSWER_TERM_WEIGHT, UNKNOWN_WEIGHT, answer_sentences
from bot.engine.entries import Postings, Ragged, ascending, distinct, last_places, numbered, spans, summed
from bot.engine.features import Features, Query, Words, _stem_texts, analyse, features, question_features
from bot.engine.index import SparseIndex
from bot.engine.text import clean, stem
from tests.conftest import SHIPPED_KNOWLEDGE

# Besides plain words: a word two card words glued together stand for ("pythonroles"), one that loses a function
# word part ("theroles") or is nothing but function words ("thethe"), and a stem equal to a function word ("wills").
WORDS = ["how", "do", "i", "role", "roles", "rolez", "python", "pyhton", "venv", "qzx", "the", "2"]
WORDS += ["pythonroles", "theroles", "thethe", "wills", "will"]
TRICKY = [
    "",
    "how how how do i get a role role",  # repeated function and content words
    "installing pyhton python pythons",  # a typo and stems shared by several words
    "llama2 h100s gpt4",  # versions glued to names
    "venv rolez",  # card synonyms
    "zyxwvut qwertyuiop the of",  # words no card knows, and fillers
    "why who when where what",
    "pythonroles theroles thethe wills will",
    "install installed guides guide guide",  # a stem of a card's word and of a word no card uses: the last weighs
]


def _rows(batch: Features, n_texts: int) -> list[Query]:
    """The batch's features text by text, in the form `question_features` gives them."""
    words: list[dict[str, float]] = [{} for _ in range(n_texts)]
    for row, feature, weight in zip(batch.rows.tolist(), batch.features.tolist(), batch.weights.tolist(), strict=True):
        assert batch.names[feature] not in words[row], "each (text, feature) comes once"
        words[row][batch.names[feature]] = weight
    grams: list[dict[str, float]] = [{} for _ in range(n_texts)]
    for row, part in zip(batch.part_rows.tolist(), batch.parts.tolist(), strict=True):
        _, _, weight, part_grams = batch.part_table[part]
        for gram in part_grams:
            grams[row][gram] = grams[row].get(gram, 0.0) + weight
    return [Query(words[i], grams[i], batch.texts[i]) for i in range(n_texts)]


def _assert_same(vocabulary_engine: Engine, texts: list[str]) -> None:
    cleaned = [clean(text) for text in texts]
    batch = _rows(features(vocabulary_engine.vocabulary, Words.of(cleaned), {}), len(cleaned))
    for text, got in zip(cleaned, batch, strict=True):
        alone = question_features(vocabulary_engine.vocabulary, text)
        # Same features in the same order: an index sums a row's weights in that order, to the last bit.
        assert list(got.words.items()) == list(alone.words.items()), text
        assert list(got.chars.items()) == list(alone.chars.items()), text
        assert got.text == alone.text, text


def _card_texts(knowledge: KnowledgeBase) -> list[str]:
    return [text for card in knowledge.cards.values() for text in (*card.questions, *card.keywords, card.answer)]


def test_many_texts_at_once_give_what_each_gives_alone(engine: Engine, knowledge: KnowledgeBase) -> None:
    _assert_same(engine, _card_texts(knowledge) + TRICKY)


def test_the_shipped_cards_give_the_same_features_at_once_and_alone() -> None:
    shipped = Engine(load_knowledge_strict(SHIPPED_KNOWLEDGE))
    _assert_same(shipped, _card_texts(shipped.knowledge) + TRICKY)


def _postings(index: SparseIndex) -> dict[str, tuple[float, list[int], bytes]]:
    """Each feature's IDF, rows and their term weights, whatever number the index gave it."""
    found = {}
    for name, feature in index.features.items():
        usual = index.rows[index.indptr[feature] : index.indptr[feature + 1]]
        runs = range(index.other_runs[feature], index.other_runs[feature + 1])
        others = [index.other_rows[index.run_starts[run] : index.run_starts[run + 1]] for run in runs]
        rows = np.concatenate([usual, *others])
        weights = np.concatenate(
            [np.full(len(usual), index.usual[feature])]
            + [np.full(len(rows), index.run_weights[run]) for run, rows in zip(runs, others, strict=True)]
        )
        order = np.argsort(rows, kind="stable")
        found[name] = (float(index.idf[feature]), rows[order].tolist(), weights[order].tobytes())
    return found


def _added(rows: list[dict[str, float]], factor: float = 1.0, into: dict[str, float] | None = None) -> dict[str, float]:
    total = {} if into is None else into
    for row in rows:
        for feature, weight in row.items():
            total[feature] = total.get(feature, 0.0) + weight * factor
    return total


def test_the_build_indexes_what_each_phrase_and_answer_gives_alone(knowledge: KnowledgeBase) -> None:
    """The numpy build against dicts: a phrase's features (its questions, keywords and answer's sentences), a card's
    questions and keywords added up with its answer's words at ANSWER_TERM_WEIGHT (its n-grams: every phrase's),
    each index the same feature for feature, to the last bit (a row's norm to its last few)."""
    engine = Engine(knowledge)
    alone = [
        [
            question_features(engine.vocabulary, clean(text))
            for text in (*card.questions, *card.keywords, *answer_sentences(card.answer))
        ]
        for card in engine.cards
    ]
    answers = [question_features(engine.vocabulary, clean(card.answer)) for card in engine.cards]
    groups = [index for index, phrases in enumerate(alone) for _ in phrases]
    cards = range(len(engine.cards))
    phrase_words = [phrase.words for phrases in alone for phrase in phrases]
    phrase_chars = [phrase.chars for phrases in alone for phrase in phrases]
    asked = [len(card.questions) + len(card.keywords) for card in engine.cards]  # the rest are answer sentences
    card_words = [
        _added([answer.words], ANSWER_TERM_WEIGHT, _added([p.words for p in phrases[:n]]))
        for phrases, answer, n in zip(alone, answers, asked, strict=True)
    ]
    card_chars = [_added([p.chars for p in phrases]) for phrases in alone]
    expected = {
        "phrase_words": SparseIndex(phrase_words, groups, UNKNOWN_WEIGHT),
        "phrase_chars": SparseIndex(phrase_chars, groups, UNKNOWN_WEIGHT),
        "card_words": SparseIndex(card_words, cards, UNKNOWN_WEIGHT),
        "card_chars": SparseIndex(card_chars, cards, UNKNOWN_WEIGHT),
    }
    for name, index in expected.items():
        built = getattr(engine.index, name)
        assert _postings(built) == _postings(index), name
        # A row's norm sums its squares in the order of the features' numbers, which the two number apart.
        np.testing.assert_allclose(built.norms, index.norms, rtol=1e-14, err_msg=name)
    assert engine.index.phrase_text == tuple(phrase.text for phrases in alone for phrase in phrases)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(WORDS),
            max_size=12,
        ).map(" ".join),
        min_size=1,
        max_size=6,
    )
)
def test_any_texts_give_the_same_features_at_once_and_alone(engine: Engine, texts: list[str]) -> None:
    _assert_same(engine, texts)


def test_a_feature_weighs_by_its_term_frequency_and_kind(engine: Engine) -> None:
    query = question_features(engine.vocabulary, clean("how do i get roles roles"))
    role = query.words["role"]
    assert role == pytest.approx(1.0 + np.log(2))  # a known word, twice
    assert query.words["?how"] == pytest.approx(0.5)  # a function word a card uses
    assert query.words["role role"] == pytest.approx(0.5)  # a pair
    assert "?do" in query.words


def test_numbered_numbers_items_in_order_of_first_appearance() -> None:
    numbers, distinct = numbered(iter(["b", "a", "b", "c", "a"]), 5)
    assert numbers.tolist() == [0, 1, 0, 2, 1]
    assert distinct == ["b", "a", "c"]


def test_ragged_expands_the_lists_of_keys_with_their_rows() -> None:
    lists = Ragged.of([[1, 2, 3], [], [5, 6]])
    rows, values = lists.expand(np.array([2, 1, 0, 2]), np.array([7, 8, 9, 9]))
    assert values.tolist() == [5, 6, 1, 2, 3, 5, 6]
    assert rows.tolist() == [7, 7, 9, 9, 9, 9, 9]


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 4)), max_size=12))
def test_spans_lay_the_ranges_out_one_after_another(ranges: list[tuple[int, int]]) -> None:
    starts, lengths = (np.array([r[i] for r in ranges], dtype=np.int64) for i in (0, 1))
    expected = [position for start, length in ranges for position in range(start, start + length)]
    assert spans(starts, lengths).tolist() == expected


@given(st.lists(st.integers(0, 2**40), max_size=30))
def test_distinct_numbers_values_as_unique_does(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    expected_values, expected_numbers = np.unique(array, return_inverse=True)
    got_values, got_numbers = distinct(array)
    assert got_values.tolist() == expected_values.tolist()
    assert got_numbers.tolist() == expected_numbers.reshape(-1).tolist()


@given(st.lists(st.integers(0, 2**40), max_size=30))
def test_last_places_finds_where_each_value_last_appears(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    expected_values, from_end = np.unique(array[::-1], return_index=True)
    got_values, got_places = last_places(array)
    assert got_values.tolist() == expected_values.tolist()
    assert got_places.tolist() == (len(array) - 1 - from_end).tolist()


@settings(deadline=None)  # the reference's first call imports numpy.ma, which the engine itself no longer does
@given(st.lists(st.integers(-(2**40), 2**40), max_size=30))
def test_ascending_gives_what_unique_does(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    assert ascending(array).tolist() == np.unique(array).tolist()


def test_summed_adds_as_a_dict_per_row_does() -> None:
    rows = np.array([0, 0, 0, 1, 1, 1])
    features_ = np.array([3, 1, 3, 1, 1, 2])
    weights = np.array([0.1, 0.2, 0.7, 1.0, 2.0, 3.0])
    got_rows, got_features, sums = summed(rows, features_, weights)
    assert got_rows.tolist() == [0, 0, 1, 1]
    assert got_features.tolist() == [3, 1, 1, 2]
    assert sums.tolist() == [0.1 + 0.7, 0.2, 3.0, 3.0]
    assert summed(rows, features_)[2].tolist() == [2.0, 1.0, 2.0, 1.0]  # no weights: counts


def _dict_rows(postings: Postings) -> list[dict[int, float]]:
    """The postings as a dict per row, each row's features in the order `in_row_order` lists them."""
    rows, features_, weights = postings.in_row_order(postings.rows, postings.features, postings.weights)
    by_row: list[dict[int, float]] = [{} for _ in range(int(rows.max(initial=-1)) + 1)]
    for row, feature, weight in zip(rows.tolist(), features_.tolist(), weights.tolist(), strict=True):
        by_row[row][feature] = weight
    return by_row


def test_postings_are_by_feature_with_rows_ascending() -> None:
    postings = Postings.summed(np.array([0, 0, 0, 1, 1, 2]), np.array([3, 1, 3, 1, 0, 3]), np.arange(1.0, 7.0))
    assert postings.features.tolist() == [0, 1, 1, 3, 3]
    assert postings.rows.tolist() == [1, 0, 1, 0, 2]
    assert postings.weights.tolist() == [5.0, 2.0, 4.0, 1.0 + 3.0, 6.0]
    assert _dict_rows(postings) == [{3: 4.0, 1: 2.0}, {1: 4.0, 0: 5.0}, {3: 6.0}]


WEIGHTS = st.sampled_from([1.0, 0.5, 0.7, 0.1, 1e-3])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 9), max_size=6), min_size=1, max_size=5),  # a list may repeat a feature
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2), WEIGHTS), max_size=20),
)
def test_postings_of_lists_equal_the_lists_laid_out(lists: list[list[int]], entries: list[tuple]) -> None:
    """Packing the entry instead of the position changes nothing: same sums and order (first positions not kept)."""
    keys = np.array([key % len(lists) for key, _, _ in entries], dtype=np.int64)
    rows = np.cumsum([step for _, step, _ in entries], dtype=np.int64)
    weights = np.array([weight for _, _, weight in entries])
    table = Ragged.of(lists)
    got = Postings.of_lists(table, keys, rows, weights)
    laid_rows, laid_features = table.expand(keys, rows)
    expected = Postings.summed(laid_rows, laid_features, np.repeat(weights, table.lengths[keys]))
    for name in ("features", "rows", "weights"):
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name), err_msg=name)
    assert got.first is None
    assert got.size == expected.size


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3), WEIGHTS), max_size=30))
def test_summed_adds_runs_of_repeats_as_a_dict_does(entries: list[tuple]) -> None:
    """Features repeated several times in a row, in several runs: each run's weights added in the order they came."""
    rows = np.cumsum([step for step, _, _ in entries], dtype=np.int64)
    features_ = np.array([feature for _, feature, _ in entries], dtype=np.int64)
    weights = np.array([weight for _, _, weight in entries])
    expected: dict[int, dict[int, float]] = {}
    for row, feature, weight in zip(rows.tolist(), features_.tolist(), weights.tolist(), strict=True):
        row_dict = expected.setdefault(row, {})
        row_dict[feature] = row_dict.get(feature, 0.0) + weight
    got_rows, got_features, sums = summed(rows, features_, weights)
    flat = [(row, feature, weight) for row, row_dict in expected.items() for feature, weight in row_dict.items()]
    assert list(zip(got_rows.tolist(), got_features.tolist(), sums.tolist(), strict=True)) == flat


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.integers(0, 6), WEIGHTS), max_size=30))
def test_grouped_postings_add_rows_as_dicts_do(entries: list[tuple]) -> None:
    """A group's sums are its rows' sums added row after row, its features in order of first appearance."""
    rows = np.cumsum([step for step, _, _, _ in entries], dtype=np.int64)
    n_rows = int(rows[-1]) + 1 if len(rows) else 0
    group_of_row = np.cumsum([0] + [jump for _, jump, _, _ in entries])[:n_rows]
    features_ = np.array([feature for _, _, feature, _ in entries], dtype=np.int64)
    postings = Postings.summed(rows, features_, np.array([weight for _, _, _, weight in entries]))
    expected: dict[int, dict[int, float]] = {}
    for row, row_dict in enumerate(_dict_rows(postings)):
        total = expected.setdefault(int(group_of_row[row]), {})
        for feature, weight in row_dict.items():
            total[feature] = total.get(feature, 0.0) + weight
    got = _dict_rows(postings.grouped(group_of_row))
    assert [list(row.items()) for row in got] == [list(expected.get(g, {}).items()) for g in range(len(got))]


def test_words_are_split_again_only_where_synonyms_change_them(engine: Engine) -> None:
    plain = Words.of(["how do i get a role", "", "python"])
    assert plain.expanded(engine.vocabulary) is plain
    assert plain.names == ["how", "do", "i", "get", "a", "role", "python"]
    assert plain.counts.tolist() == [6, 0, 1]
    assert plain.rows().tolist() == [0, 0, 0, 0, 0, 0, 2]
    synonyms = Words.of(["venv please", "python"]).expanded(engine.vocabulary)
    assert synonyms.text == engine.vocabulary.expand_synonyms("venv please\npython") != "venv please\npython"


def test_stem_texts_leave_out_words_without_stems_and_keep_empty_texts() -> None:
    stem_text = {"cats": "cat", "llama2": "llama 2"}
    tokens = np.array([1, 0, 0, 2, 1])  # "cats the", "the", "llama2 cats" between texts with no words
    texts = _stem_texts(stem_text, ["the", "cats", "llama2"], tokens, np.array([0, 2, 1, 0, 2, 0]))
    assert texts == ["", "cat", "", "", "llama 2 cat", ""]
    assert _stem_texts({}, [], np.zeros(0, dtype=np.int64), np.array([0, 0])) == ["", ""]


def test_a_verb_matches_the_agent_noun_a_card_has_and_only_then() -> None:
    """Snowball keeps "cheating" and "cheater" apart; a member asks with one, the card has the other."""
    source = CardSource(document="handbook", section="Reports")
    cards = [
        Card(id="cheaters", questions=("How do I report a cheater?",), answer="Use /report.", source=source),
        Card(id="bugs", questions=("How do I report a bug?",), answer="Open an issue.", source=source),
    ]
    vocabulary = Engine(KnowledgeBase({}, {card.id: card for card in cards}), threshold=15.0).vocabulary
    assert [part.stem for part in analyse(vocabulary, "cheating") or ()] == [stem("cheater")]
    assert [part.stem for part in analyse(vocabulary, "hacking") or ()] == [stem("hacking")]
    both = Card(id="cheats", questions=("Are cheats allowed?",), answer="No.", source=source)
    with_cheats = Engine(KnowledgeBase({}, {card.id: card for card in [*cards, both]}), threshold=15.0).vocabulary
    assert [part.stem for part in analyse(with_cheats, "cheating") or ()] == [stem("cheats")]
