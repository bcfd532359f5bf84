"""A reload's load, which parses only the card files changed since the last one and takes their stamps from the card
snapshot's pass, gives the cards and the problems a full load of the folder gives, whatever the change."""

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.card_snapshot import load_cards
from bot.cards import stamps
from bot.cards.loader import CardMemo, load_knowledge
from bot.cards.stamps import ParseMemo
from bot.holder import EngineHolder
from tests.cards.small_base import small_base, write_card


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # problems name files as seen from here
    monkeypatch.setattr(stamps, "RACY_SECONDS", 0)  # files written here count as settled: their stat tells a change
    knowledge = small_base(tmp_path)
    write_card(knowledge, "help.md", "where do i ask for help", "Ask in the help channel.")
    write_card(knowledge, "linker.md", "what links to the help card", "See the help card.", "related: [help, rules]\n")
    return knowledge


def changed(root: Path) -> None:
    write_card(root, "roles.md", "how do i get a role", "Pick yours from the role menu.")


def added(root: Path) -> None:
    write_card(root, "new/boosts.md", "what do server boosts give", "Boosts unlock perks.")


def removed(root: Path) -> None:
    (root / "cards" / "roles.md").unlink()


def broken(root: Path) -> None:
    (root / "cards" / "roles.md").write_text("---\nquestions: [how do i get a role\n---\nNo.\n", encoding="utf-8")


def renamed(root: Path) -> None:
    """The file moved and its card with it: its id is the new name, and the old id's links break."""
    (root / "cards" / "rules" / "rules.md").rename(root / "cards" / "rules" / "code.md")


def related_removed(root: Path) -> None:
    """The card another card links to is gone: that card's link is a problem, and the card is left out."""
    (root / "cards" / "help.md").unlink()


def doubled(root: Path) -> None:
    """An added card repeats an unchanged card's question: the problem's line is found in the unchanged file."""
    write_card(root, "new/asking.md", "where do i ask for help", "Ask anyone.")


CHANGES: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "changed": (changed, ["roles.md"]),
    "added": (added, ["boosts.md"]),
    "removed": (removed, []),
    "broken": (broken, ["roles.md"]),
    "renamed": (renamed, ["code.md"]),
    "related removed": (related_removed, []),
    "doubled": (doubled, ["asking.md"]),
}


@pytest.mark.parametrize("name", CHANGES)
def test_a_reload_loads_what_a_full_load_would(root: Path, tmp_path: Path, parsed: list[str], name: str) -> None:
    change, reparsed = CHANGES[name]
    memo: CardMemo = ParseMemo()
    cache = tmp_path / "cache"
    load_cards(root, cache, memo)
    change(root)
    parsed.clear()
    knowledge, problems = load_cards(root, cache, memo)
    assert parsed == reparsed  # the fast path: only the changed file parsed again
    fresh_knowledge, fresh_problems = load_knowledge(root)
    assert knowledge == fresh_knowledge
    assert list(knowledge.cards) == list(fresh_knowledge.cards)
    assert problems == fresh_problems
    assert (problems != []) == (name in {"broken", "renamed", "related removed", "doubled"})


def test_a_removed_related_card_leaves_the_linking_card_out(root: Path, tmp_path: Path) -> None:
    memo: CardMemo = ParseMemo()
    load_cards(root, tmp_path / "cache", memo)
    related_removed(root)
    knowledge, problems = load_cards(root, tmp_path / "cache", memo)
    assert "linker" not in knowledge.cards
    assert [str(problem) for problem in problems] == [
        "knowledge/cards/linker.md:4: related 'help': no card has this id"
    ]


@pytest.mark.parametrize("strict", [False, True])
def test_a_holder_reloads_a_broken_card_as_it_would_start_on_it(root: Path, tmp_path: Path, strict: bool) -> None:
    holder = EngineHolder(root, 55.0, 6.0, cache_dir=tmp_path / "cache", strict=strict)
    broken(root)
    reloaded = holder.reload()
    _, problems = load_knowledge(root)
    assert reloaded.problems == problems
    assert reloaded.refused == strict
    assert ("roles" in holder.engine.knowledge.cards) == strict  # refused: the old cards serve on


def test_cards_load_in_the_order_of_their_paths_part_by_part(root: Path) -> None:
    """`a/c.md` before `a-b.md`, as `Path` orders them, though "/" sorts after "-" in a string."""
    for name in ("a-b.md", "a/c.md", "a.md", "a/a/z.md", "b.md"):
        write_card(root, name, f"what is card {name}", "It is a card.")
    knowledge, _ = load_knowledge(root)
    paths = [card.path for card in knowledge.cards.values()]
    assert paths == sorted(paths)
    assert [path.name for path in paths if path is not None][:4] == ["z.md", "c.md", "a-b.md", "a.md"]
