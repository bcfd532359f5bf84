"""`eval --learn`: members teach the bot in round one, others are answered in round two; nothing reaches a file."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.evaluation import EvalSet
from bot.learn.replay import format_replay, replay
from bot.settings import load_settings
from tests.conftest import FIXTURE_KNOWLEDGE

TAUGHT = """\
thresholds: {in_scope_accuracy: 0.5, out_of_scope_recall: 0.5}
in_scope:
  - {question: which menu gives me my tags, card: roles}
  - {question: How do I get a role?, card: roles}
out_of_scope:
  - what is the capital of peru
"""
OTHER = """\
thresholds: {in_scope_accuracy: 0.5, out_of_scope_recall: 0.5}
in_scope:
  - {question: where do i pick my roles, card: roles}
out_of_scope:
  - recommend me a pizza place
"""


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, folder)
    (folder / "taught.yaml").write_text(TAUGHT, encoding="utf-8")
    (folder / "other.yaml").write_text(OTHER, encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return folder


def test_round_two_is_answered_from_what_round_one_taught(knowledge: Path) -> None:
    files = {path: path.read_bytes() for path in knowledge.rglob("*") if path.is_file()}
    eval_set, _ = EvalSet.load(knowledge / "taught.yaml")
    assert eval_set is not None
    result = asyncio.run(replay(load_settings(), knowledge / "taught.yaml", eval_set))

    assert result.round_one.in_scope_correct == 1  # the title is answered; the other is only offered, and picked
    assert result.learned == 1
    assert result.round_two.in_scope_correct == 2
    ((other, before, after),) = result.others
    assert other.name == "other.yaml"
    assert (before.out_of_scope_declined, after.out_of_scope_declined) == (1, 1)
    assert result.passed
    assert "round two   in-scope 100.0% (2/2)" in format_replay(result)
    assert {path: path.read_bytes() for path in knowledge.rglob("*") if path.is_file()} == files
    assert not (knowledge.parent / "data").exists()  # learned into memory, not the bot's store


def test_eval_learn_on_the_command_line(knowledge: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--learn", "--file", str(knowledge / "taught.yaml")]) == 0
    out = capsys.readouterr().out
    assert "1 phrasing(s) learned" in out
    assert "(declines +0.0 points)" in out
