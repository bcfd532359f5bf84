"""The README's answer-quality figures are the ones `faqbot eval` prints today: a change that moves them must say so."""

import re
from pathlib import Path

import pytest

from bot.cards.loader import load_knowledge_strict
from bot.engine import Engine
from bot.evaluation import EvalReport, EvalSet, run_eval

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report() -> EvalReport:
    eval_set, problems = EvalSet.load(ROOT / "knowledge" / "eval.yaml")
    assert eval_set is not None, problems
    return run_eval(eval_set, Engine(load_knowledge_strict(ROOT / "knowledge")))


def test_the_readme_gives_the_eval_figures_of_today(report: EvalReport) -> None:
    stated = re.search(r"in-scope accuracy ([\d.]+)%, out-of-scope recall ([\d.]+)%", README)
    assert stated is not None
    assert (float(stated[1]), float(stated[2])) == (
        round(100 * report.in_scope_accuracy, 1),
        round(100 * report.out_of_scope_recall, 1),
    )


def test_the_readme_counts_the_eval_misses_as_eval_does(report: EvalReport) -> None:
    offered = re.search(r"(\d+) of the (\d+) declined in-scope questions still get their card", README)
    partial = re.search(r"partial answers \((\d+) of the eval set's (\d+),", README)
    assert offered is not None
    assert partial is not None
    assert (int(offered[1]), int(offered[2])) == (report.offered, report.wrongly_declined_in_scope)
    assert (int(partial[1]), int(partial[2])) == (report.out_of_scope_partial, report.out_of_scope_declined)
