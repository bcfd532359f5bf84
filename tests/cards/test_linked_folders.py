"""A cards folder that is itself a link: the loader resolves it once, not each file in it."""

import shutil
from pathlib import Path

from tests.cards.test_loader import GOOD, OTHER, load_in_time, make


def test_a_cards_folder_linked_inside_the_knowledge_folder_loads(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD, "nested/other.md": OTHER})
    (root / "cards").rename(root / "real-cards")
    (root / "cards").symlink_to(root / "real-cards", target_is_directory=True)
    knowledge, problems = load_in_time(root)
    assert problems == []
    assert set(knowledge.cards) == {"good", "other"}
    assert knowledge.cards["other"].path == root / "cards" / "nested" / "other.md"  # as named, not as resolved


def test_a_cards_folder_linked_out_of_the_knowledge_folder_is_not_read(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD, "other.md": OTHER})
    shutil.move(root / "cards", tmp_path / "elsewhere")
    (root / "cards").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    knowledge, problems = load_in_time(root)
    out = "a symbolic link out of the knowledge folder: not followed"
    assert [problem.rsplit("/knowledge/", 1)[-1] for problem in problems] == [
        f"cards/good.md: {out}",
        f"cards/other.md: {out}",
    ]
    assert knowledge.cards == {}
