"""A reload parses only the card files changed since the last load, and loads what a fresh load would."""

from pathlib import Path

import pytest

from bot.cards import stamps
from bot.cards.loader import CardMemo, load_knowledge
from bot.cards.stamps import ParseMemo
from bot.holder import EngineHolder
from tests.cards.small_base import small_base, write_card


@pytest.fixture
def root(tmp_path: Path) -> Path:
    knowledge = small_base(tmp_path)
    write_card(knowledge, "help.md", "where do i ask for help", "Ask in the help channel.")
    return knowledge


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test count as long settled: their stat alone tells a change."""
    monkeypatch.setattr(stamps, "RACY_SECONDS", 0)


@pytest.mark.usefixtures("settled")
def test_a_load_parses_only_what_changed_and_loads_what_a_fresh_load_would(root: Path, parsed: list[str]) -> None:
    memo: CardMemo = ParseMemo()
    load_knowledge(root, memo=memo)
    write_card(root, "roles.md", "how do i get a role", "Pick yours from the role menu.")
    (root / "cards" / "rules" / "rules.md").unlink()
    write_card(root, "new/boosts.md", "where do i ask for help", "Boosts unlock perks.")  # the question of help.md too
    parsed.clear()
    again = load_knowledge(root, memo=memo)
    assert sorted(parsed) == ["boosts.md", "roles.md"]
    fresh = load_knowledge(root)
    assert again == fresh
    assert any("also on card" in problem.message for problem in again[1])  # a line found in an unchanged file
    assert again[0].cards["roles"].answer == "Pick yours from the role menu."


def test_a_file_changed_just_before_its_load_is_parsed_again(root: Path, parsed: list[str]) -> None:
    """Its stat could stay the same through a second change within the same tick of the file system's clock."""
    memo: CardMemo = ParseMemo()
    load_knowledge(root, memo=memo)
    load_knowledge(root, memo=memo)
    assert len(parsed) == 6


@pytest.mark.usefixtures("settled")
def test_another_working_folder_parses_again(
    root: Path, parsed: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A problem names its file from the working folder."""
    (root / "cards" / "broken.md").write_text("---\nquestions: [\n---\nNo.\n", encoding="utf-8")
    memo: CardMemo = ParseMemo()
    monkeypatch.chdir(root)
    load_knowledge(root, memo=memo)
    monkeypatch.chdir(tmp_path)
    parsed.clear()
    _, problems = load_knowledge(root, memo=memo)
    assert len(parsed) == 4
    assert [problem.path for problem in problems] == ["knowledge/cards/broken.md"]


@pytest.mark.usefixtures("settled")
def test_a_reload_parses_only_the_changedwrite_card(root: Path, parsed: list[str]) -> None:
    holder = EngineHolder(root)
    write_card(root, "roles.md", "how do i get a role", "Pick yours from the role menu.")
    parsed.clear()
    holder.reload()
    assert parsed == ["roles.md"]
    assert holder.engine.knowledge.cards["roles"].answer == "Pick yours from the role menu."
