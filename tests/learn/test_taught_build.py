"""Learned phrasings live: one build of the taught cards, at the decision their files' own phrasings were chosen at."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cards import KnowledgeBase
from bot.engine import Engine, Outcome, built, matcher
from bot.holder import EngineHolder
from bot.learn.learned import Learned
from tests.conftest import FIXTURE_KNOWLEDGE

# Everyday wordings that no card of the fixture has: calibrating on them as if they were the cards' would move it.
TAUGHT = [
    ("events", "what is the deal with that"),
    ("python-install", "tell me more about it please"),
    ("roles", "where do i find it"),
    ("rules", "how does this work"),
    ("virtualenv", "how do i do that"),
]


def taught(knowledge: KnowledgeBase) -> KnowledgeBase:
    return Learned.of(TAUGHT).applied(knowledge)


def counted(monkeypatch: pytest.MonkeyPatch, name: str, whole: int) -> list[int]:
    """Calls of `matcher.<name>` on the whole base (not the calibration's own builds on parts of it)."""
    calls: list[int] = []
    real: Callable[..., object] = getattr(matcher, name)

    def spy(*args: object) -> object:
        cards = next(arg for arg in args if isinstance(arg, list))
        calls.extend([1] if len(cards) == whole else [])
        return real(*args)

    monkeypatch.setattr(matcher, name, spy)
    return calls


@pytest.mark.parametrize("trained_weight", [None, 0.5])
def test_a_taught_build_calibrates_on_the_cards_own_phrasings(
    knowledge: KnowledgeBase, trained_weight: float | None
) -> None:
    files = Engine(knowledge, trained_weight=trained_weight)
    engine = Engine(taught(knowledge), trained_weight=trained_weight)
    assert engine.calibration == files.calibration is not None
    assert (engine.threshold, engine.margin, engine.trained_weight) == (
        files.threshold,
        files.margin,
        files.trained_weight,
    )
    assert engine.answer("how does this work").card == engine.knowledge.cards["rules"]  # taught, and matched
    # What the build leaves out is worth leaving out: calibrated with the learned phrasings, the choice differs.
    with_learned = list(taught(knowledge).cards.values())
    assert matcher.calibrated(knowledge.sources, with_learned, files.trained_weight) != files.calibration


def test_learned_phrasings_past_the_trained_limit_keep_the_calibration_of_the_trained_cards(
    knowledge: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files' cards alone train the part; with the learned phrasings there are too many phrases to: the taught
    index leaves it out, and its decision is still the one chosen with the part on."""
    monkeypatch.setattr(built, "TRAINED_PHRASES_MAX", len(Engine(knowledge, 40.0, 3.0).index.phrase_text))
    files = Engine(knowledge, trained_weight=0.5)
    engine = Engine(taught(knowledge), trained_weight=0.5)
    assert (files.trained_weight, engine.trained_weight) == (0.5, 0.0)
    assert engine.calibration == files.calibration


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))


def test_teaching_builds_once_and_keeps_the_files_decision(
    knowledge_dir: Path, knowledge: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = EngineHolder(knowledge_dir)
    files = holder.engine
    builds = counted(monkeypatch, "build_index", len(knowledge.cards))
    calibrations = counted(monkeypatch, "calibrated", len(knowledge.cards))

    holder.learned = Learned.of(TAUGHT)
    holder.reload(announce=False)
    assert (len(builds), len(calibrations)) == (1, 0)  # the taught cards alone, at the decision already chosen
    engine = holder.engine
    assert engine is not files
    assert (engine.calibration, engine.threshold, engine.margin) == (files.calibration, files.threshold, files.margin)
    assert holder.engine.answer("where do i find it").outcome is Outcome.ANSWERED

    holder.learned = Learned.of(TAUGHT[:2])
    holder.reload(announce=False)
    assert (len(builds), len(calibrations)) == (2, 0)

    rules = knowledge_dir / "cards" / "server" / "rules.md"
    rules.write_text(rules.read_text(encoding="utf-8").replace("questions:\n", "questions:\n  - Is there a code?\n"))
    holder.reload(announce=False)
    assert (len(builds), len(calibrations)) == (3, 1)  # a card's own phrasing changed: chosen again, in that build
    assert holder.engine.calibration != files.calibration
