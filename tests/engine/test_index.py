import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.entries import Postings
from bot.engine.index import SparseIndex, _members, top
from bot.engine.layered import LayeredIndex


def _cosines(rows: list[dict[str, float]], groups: list[int], query: dict[str, float], unknown: float) -> np.ndarray:
    """TF-IDF cosines computed densely and directly from the definition, as the reference."""
    n_groups = len(set(groups)) or 1
    vocabulary = sorted({feature for row in rows for feature in row})
    df = {f: len({g for row, g in zip(rows, groups, strict=True) if f in row}) for f in vocabulary}
    idf = {f: math.log((1 + n_groups) / (1 + df[f])) + 1.0 for f in vocabulary}
    rarest = (math.log(1 + n_groups) + 1.0) * unknown
    q = {f: tf * idf.get(f, rarest) for f, tf in query.items()}
    q_norm = math.sqrt(sum(v * v for v in q.values())) or 1.0
    result = []
    for row in rows:
        r = {f: tf * idf[f] for f, tf in row.items()}
        r_norm = math.sqrt(sum(v * v for v in r.values())) or 1.0
        result.append(sum(v * q.get(f, 0.0) for f, v in r.items()) / (r_norm * q_norm))
    return np.array(result)


ROWS = [
    {"reset": 1.0, "password": 1.0},
    {"reset": 1.0, "password": 2.0, "email": 0.5},
    {"install": 1.0, "python": 1.0},
    {"python": 1.0, "venv": 1.5},
    {},
]
GROUPS = [0, 0, 1, 2, 3]


def test_scores_are_tf_idf_cosines() -> None:
    index = SparseIndex(ROWS, GROUPS, unknown_weight=1.5)
    query = {"password": 1.0, "python": 0.5, "nowhere": 1.0}
    np.testing.assert_allclose(index.scores(query), _cosines(ROWS, GROUPS, query, 1.5), atol=1e-6)


def test_document_frequency_counts_groups_not_rows() -> None:
    index = SparseIndex(ROWS, GROUPS)
    # "reset" is in two rows of one group, "python" in one row of each of two groups: "reset" is the rarer.
    assert index.idf[index.features["reset"]] > index.idf[index.features["python"]]


def test_groups_in_any_order_give_the_same_index() -> None:
    ordered = SparseIndex(ROWS, GROUPS)
    shuffled = SparseIndex(ROWS, [7, 7, 1, 3, 2])
    np.testing.assert_array_equal(ordered.idf, shuffled.idf)
    np.testing.assert_array_equal(ordered.norms, shuffled.norms)
    np.testing.assert_array_equal(ordered.scores({"password": 1.0}), shuffled.scores({"password": 1.0}))


def test_postings_are_by_feature_with_rows_ascending() -> None:
    index = SparseIndex(ROWS, GROUPS)
    assert list(index.features) == ["reset", "password", "email", "install", "python", "venv"]
    python = index.features["python"]
    assert index.rows[index.indptr[python] : index.indptr[python + 1]].tolist() == [2, 3]
    assert index.other_runs[python] == index.other_runs[python + 1]  # one term weight: no other rows


def test_a_posting_keeps_its_row_and_a_run_of_rows_its_term_weight() -> None:
    """A feature's rows come in runs of one term weight, its usual one first, rows ascending in each."""
    rows = [{"a": 1.0, "b": 0.5}, {"a": 1.0, "b": 0.5}, {"a": 2.0, "b": 0.5}, {"a": 1.0, "b": 3.0}, {"a": 2.0}]
    index = SparseIndex(rows, list(range(len(rows))))

    def runs(feature: str) -> list[tuple[float, list[int]]]:
        number = index.features[feature]
        usual = index.rows[index.indptr[number] : index.indptr[number + 1]].tolist()
        return [(float(index.usual[number]), usual)] + [
            (
                float(index.run_weights[run]),
                index.other_rows[index.run_starts[run] : index.run_starts[run + 1]].tolist(),
            )
            for run in range(index.other_runs[number], index.other_runs[number + 1])
        ]

    assert runs("b") == [(0.5, [0, 1, 2]), (3.0, [3])]
    assert sorted(runs("a")) == [(1.0, [0, 1, 3]), (2.0, [2, 4])]  # two of its first, middle and last say 2.0
    assert index.holding("b", np.array([4, 3, 0])).tolist() == [False, True, True]
    has = [index.has("a", 2), index.has("b", 3), index.has("b", 4), index.has("nowhere", 0)]
    assert has == [True, True, False, False]
    query = {"a": 1.0, "b": 2.0}
    np.testing.assert_allclose(index.scores(query), _cosines(rows, list(range(5)), query, 1.0), rtol=1e-6)


def test_scores_equal_the_cosines_where_most_term_weights_differ() -> None:
    """Every row a weight of its own (so nearly every posting is another's) and many features: the scores are still
    the definition's, to float32 rounding."""
    rng = np.random.default_rng(5)
    rows = [
        {f"f{feature}": float(rng.choice([0.25, 0.5, 1.0, 1.5, 2.75, 3.0])) for feature in rng.choice(40, 6)}
        for _ in range(300)
    ]
    groups = [row // 3 for row in range(len(rows))]
    index = SparseIndex(rows, groups, unknown_weight=1.5)
    for query in ({"f1": 1.0, "f7": 0.5, "f39": 2.0, "nowhere": 1.0}, {f"f{i}": 1.0 for i in range(40)}):
        np.testing.assert_allclose(index.scores(query), _cosines(rows, groups, query, 1.5), rtol=1e-6, atol=1e-7)


def test_a_row_laid_over_a_whole_build_scores_as_that_build() -> None:
    """A row replaced by itself in a patch (every frequency as it was): a layered index's scores, and which rows
    hold a feature, are the whole build's, row by row (a layered index sums each layer's runs apart)."""
    rng = np.random.default_rng(11)
    rows = [
        {f"f{feature}": float(rng.choice([0.5, 1.0, 1.5, 2.0])) for feature in rng.choice(12, 4)} for _ in range(30)
    ]
    whole = SparseIndex(rows, list(range(len(rows))), unknown_weight=1.5)
    moved = 7
    names = list(rows[moved])
    weights = np.array([rows[moved][name] for name in names])
    postings = Postings.summed(np.zeros(len(names), dtype=np.int64), np.arange(len(names)), weights)
    idf = np.array([whole.idf_of(name) for name in names])
    patch = SparseIndex.weighted(postings, names, 1, idf, whole.n_groups, 1.5)
    base_to = np.arange(len(rows))
    base_to[moved] = -1
    layered = LayeredIndex(whole, base_to, patch, np.array([moved]), {}, frozenset(), whole.n_groups, 1.5)
    everyone = np.arange(len(rows))
    for query in ({"f1": 1.0, "f3": 0.5, "nowhere": 1.0}, {name: 1.0 for name in names}, {"f11": 2.0}):
        np.testing.assert_allclose(layered.scores(query), whole.scores(query), rtol=1e-6)
    for feature in [f"f{number}" for number in range(12)]:
        assert layered.holding(feature, everyone).tolist() == whole.holding(feature, everyone).tolist(), feature
        assert layered.has(feature, moved) == (feature in rows[moved])


def test_query_of_unknown_features_scores_nothing() -> None:
    index = SparseIndex(ROWS, GROUPS)
    assert not index.scores({"nowhere": 1.0}).any()
    assert not index.scores({}).any()


def test_empty_index() -> None:
    index = SparseIndex([], [])
    assert index.scores({"anything": 1.0}).shape == (0,)


def test_rows_and_groups_must_pair_up() -> None:
    with pytest.raises(ValueError, match="groups"):
        SparseIndex(ROWS, GROUPS[:-1])


FEATURES = st.sampled_from([f"f{i}" for i in range(12)])
WEIGHTS = st.floats(min_value=0.1, max_value=5.0)
ROW = st.dictionaries(FEATURES, WEIGHTS, max_size=6)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(ROW, min_size=1, max_size=12),
    data=st.data(),
    query=st.dictionaries(st.sampled_from([f"f{i}" for i in range(15)]), WEIGHTS, max_size=6),
)
def test_matches_the_dense_definition(rows: list[dict[str, float]], data: st.DataObject, query: dict) -> None:
    groups = data.draw(st.lists(st.integers(0, 4), min_size=len(rows), max_size=len(rows)))
    index = SparseIndex(rows, groups, unknown_weight=1.5)
    np.testing.assert_allclose(index.scores(query), _cosines(rows, groups, query, 1.5), atol=1e-5)


@settings(max_examples=200, deadline=None)
@given(
    scores=st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]) | st.floats(0, 1, width=32), max_size=40),
    k=st.integers(0, 45),
)
def test_top_is_the_head_of_a_stable_sort(scores: list[float], k: int) -> None:
    array = np.array(scores, dtype=np.float32)
    np.testing.assert_array_equal(top(array, k), np.argsort(-array, kind="stable")[:k])


def test_flat_entries_give_the_same_index_as_rows() -> None:
    names = ["unused", "venv", "reset", "password", "email", "install", "python"]
    entries = [(row, names.index(feature), tf) for row, features in enumerate(ROWS) for feature, tf in features.items()]
    rows, features, weights = (np.array(column) for column in zip(*entries, strict=True))
    flat = SparseIndex.from_entries(rows, features, weights, names, GROUPS, unknown_weight=1.5)
    from_rows = SparseIndex(ROWS, GROUPS, unknown_weight=1.5)
    assert "unused" not in flat.features
    for query in ({"password": 1.0, "python": 0.5, "nowhere": 1.0}, {"venv": 2.0}, {"unused": 1.0, "reset": 1.0}):
        np.testing.assert_array_equal(flat.scores(query), from_rows.scores(query))


def test_flat_entries_must_come_in_row_order() -> None:
    with pytest.raises(ValueError, match="row order"):
        SparseIndex.from_entries(np.array([1, 0]), np.array([0, 0]), np.array([1.0, 1.0]), ["a"], [0, 1])


def _coverage(rows: list[dict[str, float]], groups: list[int], query: dict[str, float], unknown: float) -> np.ndarray:
    """The share of the query's squared TF-IDF weight on each row's features, from the definition."""
    n_groups = len(set(groups)) or 1
    df = {f: len({g for row, g in zip(rows, groups, strict=True) if f in row}) for row in rows for f in row}
    rarest = (math.log(1 + n_groups) + 1.0) * unknown
    squared = {
        f: (tf * (math.log((1 + n_groups) / (1 + df[f])) + 1.0 if f in df else rarest)) ** 2 for f, tf in query.items()
    }
    total = sum(squared.values())
    return np.array([sum(w for f, w in squared.items() if f in row) / total for row in rows])


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.sampled_from(["reset", "password", "python", "venv", "email", "nowhere"]), st.floats(0.1, 3)))
def test_coverage_is_the_share_of_the_query_a_row_has(query: dict[str, float]) -> None:
    index = SparseIndex(ROWS, GROUPS, unknown_weight=1.5)
    rows = np.array([3, 0, 1, 2, 4])
    got = index.covered(query, rows)
    if not query:  # a question of function words alone names nothing a card could lack
        assert got.all()
        assert got == pytest.approx(1.0)
    else:
        assert got == pytest.approx(_coverage(ROWS, GROUPS, query, 1.5)[rows])


def test_rows_past_sixteen_bits_keep_their_numbers_and_scores() -> None:
    """The rows are kept as narrow as they fit: an index of 70,000 rows must not wrap its row numbers at 65,536."""
    n_rows = 70_000
    rows = [{"common": 1.0, f"word{i % 7}": 1.0} for i in range(n_rows)]
    rows[-1] = {"rare": 1.0}
    index = SparseIndex(rows, list(range(n_rows)))
    small = SparseIndex(rows[-3:], [0, 1, 2])
    assert index.rows.dtype == np.int32
    assert small.rows.dtype == np.uint16
    scores = index.scores({"rare": 1.0})
    assert int(np.argmax(scores)) == n_rows - 1
    assert scores[n_rows - 1] == pytest.approx(1.0)
    assert index.has("rare", n_rows - 1)
    assert not index.has("rare", (n_rows - 1) % 2**16)
    query = {"word3": 1.0, "common": 0.5}
    np.testing.assert_allclose(index.scores(query), _cosines(rows, list(range(n_rows)), query, 1.0), atol=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(0, 70), max_size=12),
    rows=st.sets(st.integers(0, 70), max_size=30),
    wide=st.booleans(),
)
def test_members_of_a_features_rows_are_found_as_isin_finds_them(values: list[int], rows: set[int], wide: bool) -> None:
    ascending = np.array(sorted(rows), dtype=np.int32 if wide else np.uint16)  # a feature's rows, as kept
    asked = np.array(values, dtype=np.intp)
    np.testing.assert_array_equal(_members(asked, ascending), np.isin(asked, ascending))
