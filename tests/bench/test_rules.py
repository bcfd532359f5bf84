import numpy as np
import pytest

from bench.rules import NO_THRESHOLD, OOS, OPERATING_RULE, PAPER_RULE, Scored, choose, figures


def scored(rows: list[tuple[int, int, float, float]]) -> Scored:
    """Rows of (gold, best, first score, second score)."""
    gold, best, first, second = zip(*rows, strict=True)
    return Scored(np.array(gold), np.array(best), np.array(first, dtype=float), np.array(second, dtype=float))


def test_figures_count_declines_and_wrong_intents() -> None:
    gold = np.array([0, 1, 2, OOS, OOS])
    predicted = np.array([0, OOS, 1, OOS, 2])  # right, declined, wrong, declined OOS, answered OOS
    result = figures(gold, predicted)
    assert result.in_scope_accuracy == pytest.approx(1 / 3)
    assert result.oos_recall == pytest.approx(1 / 2)
    assert result.oos_precision == pytest.approx(1 / 2)  # two declined, one of them out of scope
    assert result.accuracy == pytest.approx(2 / 5)


def test_predict_declines_below_threshold_or_margin() -> None:
    queries = scored([(0, 0, 80, 10), (1, 1, 40, 10), (2, 2, 80, 78)])
    assert queries.predict(50, 5).tolist() == [0, OOS, OOS]
    assert queries.predict(0, 0).tolist() == [0, 1, 2]


def test_paper_rule_separates_in_scope_from_out_of_scope_scores() -> None:
    # In-scope queries score 60-90, out-of-scope ones 20-39: any threshold above 39, up to 60, gets all right.
    rows = [(i % 3, i % 3, 60 + i, 0) for i in range(30)] + [(OOS, 1, 20 + i, 0) for i in range(20)]
    queries = scored(rows)
    choice = choose(queries, PAPER_RULE)
    assert 39 < choice.threshold <= 60
    assert figures(queries.gold, queries.predict(choice.threshold, choice.margin)).accuracy == 1.0


def test_paper_rule_uses_the_margin_when_scores_overlap() -> None:
    # Same best scores in and out of scope; only the lead over the runner-up tells them apart.
    rows = [(0, 0, 70, 40)] * 10 + [(OOS, 0, 70, 68)] * 10
    choice = choose(scored(rows), PAPER_RULE)
    assert 2 < choice.margin <= 30


def test_operating_rule_keeps_in_scope_accuracy_within_one_point() -> None:
    # 100 in-scope queries, the weakest 5 scoring like out-of-scope ones (two of those at each score, 30 to 34):
    # declining them all is best 151-way but costs 5 points of in-scope accuracy.
    rows = [(0, 0, 90, 0)] * 95 + [(0, 0, 30 + i, 0) for i in range(5)] + [(OOS, 0, 30 + i // 2, 0) for i in range(10)]
    queries = scored(rows)
    unthresholded = figures(queries.gold, queries.predict(0, 0))
    choice = choose(queries, OPERATING_RULE)
    chosen = figures(queries.gold, queries.predict(choice.threshold, choice.margin))
    assert chosen.in_scope_accuracy >= unthresholded.in_scope_accuracy - 0.01
    assert chosen.oos_recall == pytest.approx(0.2)  # only the lowest of the overlap may go
    assert 34 < choose(queries, PAPER_RULE).threshold <= 90


def test_no_threshold_declines_nothing() -> None:
    choice = choose(scored([(0, 0, 5, 4), (OOS, 1, 3, 1)]), NO_THRESHOLD)
    assert (choice.threshold, choice.margin) == (0.0, 0.0)
