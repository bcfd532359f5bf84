"""A first load of many card files parses half of them in a forked child: the same cards and problems either way."""

import os
from pathlib import Path

import pytest

from bot import forked
from bot.cards import load_knowledge, loader, stamps
from bot.cards.loader import CardMemo
from bot.cards.stamps import ParseMemo

SOURCES = "- id: doc\n  title: A Document\n"


def _card(number: int, related: str = "", question: str = "") -> str:
    asked = question or f"how do i set up widget number {number}"
    return (
        f"---\nquestions:\n  - {asked}\n  - widget {number} setup steps please\nsource: {{document: doc}}\n"
        f"{related}---\nWidget {number} is set up from its own page.\n"
    )


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Forty card files, some broken in ways only the whole load sees (a question or an id on two cards, a link to
    a card in the other half), one broken on its own."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "knowledge" / "cards"
    folder.mkdir(parents=True)
    (tmp_path / "knowledge" / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    for number in range(40):
        (folder / f"c{number:02d}.md").write_text(_card(number), encoding="utf-8")
    (folder / "c03.md").write_text(_card(3, related="related: [c35]\n"), encoding="utf-8")
    (folder / "c04.md").write_text(_card(4, related="related: [nowhere]\n"), encoding="utf-8")
    (folder / "c36.md").write_text(_card(36, question="how do i set up widget number 2"), encoding="utf-8")
    (folder / "c37.md").write_text("no front matter here\n", encoding="utf-8")
    (folder / "c38.md").write_text(_card(38).replace("questions:", "id: c01\nquestions:"), encoding="utf-8")
    return tmp_path / "knowledge"


def _loaded(root: Path, cores: int, memo: CardMemo | None = None) -> tuple[object, list[object], int]:
    """The load with this many cores to run on, and how many children it forked."""
    forks = []
    fork = os.fork
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(loader, "BESIDE_MIN_FILES", 10)
        patched.setattr(forked, "cores", lambda: cores)
        patched.setattr(forked, "alone", lambda: True)  # the idle threads earlier tests leave hold no lock needed here
        patched.setattr(forked.os, "fork", lambda: forks.append(1) or fork())
        knowledge, problems = load_knowledge(root, memo=memo)
    return knowledge, problems, len(forks)


def test_the_load_is_the_same_with_half_of_it_parsed_beside(root: Path) -> None:
    alone = _loaded(root, cores=1)
    beside = _loaded(root, cores=2)
    assert (alone[2], beside[2]) == (0, 1)
    assert beside[:2] == alone[:2]
    knowledge, problems, _ = beside
    assert len(knowledge.cards) == 36
    assert knowledge.cards["c03"].related == ("c35",)
    assert {problem.path for problem in problems} == {
        os.path.join("knowledge", "cards", name) for name in ("c04.md", "c36.md", "c37.md", "c38.md")
    }


def test_a_memo_keeps_the_parses_made_beside_and_a_reload_forks_nothing(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stamps, "RACY_SECONDS", 0)  # files just written are kept as settled ones are
    memo: CardMemo = ParseMemo()
    first = _loaded(root, cores=2, memo=memo)
    assert first[2] == 1
    parses = []
    parse = loader._parse_card
    monkeypatch.setattr(loader, "_parse_card", lambda *args: parses.append(args[0]) or parse(*args))
    again = _loaded(root, cores=2, memo=memo)
    assert again[2] == 0
    assert again[:2] == first[:2]
    assert parses == []  # every file, either half's, given back by the memo


def test_a_load_that_fails_leaves_no_child(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    children = []
    start = forked.beside
    monkeypatch.setattr(loader, "beside", lambda *args: children.append(start(*args)) or children[-1])
    parse = loader._parse_card
    monkeypatch.setattr(loader, "_parse_card", lambda path, *args: parse(path, *args) if path.name < "c10" else 1 / 0)
    with pytest.raises(ZeroDivisionError):
        _loaded(root, cores=2)
    (child,) = children
    assert isinstance(child, forked.Forked)
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)
