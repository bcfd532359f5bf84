"""`learn export` and the rest of `faqbot learn`: live phrasings into card files, comments and formatting kept."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.cards import KnowledgeBase, load_knowledge, load_knowledge_strict
from bot.cards.loader import Problem
from bot.cli import main
from bot.learn import commands
from bot.learn.export import with_questions
from bot.learn.learned import question_key
from bot.settings import load_settings
from bot.store import learning as records
from bot.store import open_store
from bot.store.learning import State
from tests.conftest import FIXTURE_KNOWLEDGE

CARD = """\
---
# who asks this: newcomers, mostly
questions:
    -   How do I get a role?   # the title
    -   'where: roles'
tags: [server]   # first tag groups it
source: {document: handbook, section: Roles}
---
Open the **#roles** channel.

  An indented line, kept.
"""


def test_a_phrasing_is_added_keeping_comments_quotes_indentation_and_the_answer() -> None:
    new = with_questions(CARD, ["which menu: gives me my tags?", "tags pls"])
    assert new == CARD.replace(
        "    -   'where: roles'\n",
        "    -   'where: roles'\n    -   'which menu: gives me my tags?'\n    -   tags pls\n",
    )


def test_every_shipped_card_file_reads_back_unchanged() -> None:
    paths = sorted(Path(__file__).parents[2].joinpath("knowledge").rglob("cards/**/*.md"))
    assert len(paths) > 50
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert with_questions(text, []) == text, path


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, folder)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return folder


def propose(question: str, card: str, state: State) -> str:
    async def main_() -> str:
        async with await open_store(load_settings()) as store:
            phrasing = await records.propose(store, question_key(question), question, card, state)
            assert phrasing is not None
            return phrasing.id

    return asyncio.run(main_())


def states() -> dict[str, State]:
    async def main_() -> dict[str, State]:
        async with await open_store(load_settings()) as store:
            return {p.id: p.state for p in await records.phrasings(store, *State)}

    return asyncio.run(main_())


def test_export_writes_live_phrasings_checks_them_and_takes_them_off_the_live_list(
    knowledge: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roles = knowledge / "cards" / "server" / "roles.md"
    before = roles.read_text(encoding="utf-8")
    live = propose("Which menu gives me my tags?", "roles", State.LIVE)
    proposed = propose("tags where", "roles", State.PROPOSED)

    assert main(["learn", "list"]) == 0
    listing = capsys.readouterr().out
    assert live in listing
    assert proposed in listing

    assert main(["learn", "export", "--dry-run"]) == 0
    diff = capsys.readouterr().out
    assert "+  - Which menu gives me my tags?" in diff
    assert "tags where" not in diff  # proposed, not live
    assert roles.read_text(encoding="utf-8") == before  # a dry run writes nothing

    assert main(["learn", "export"]) == 0
    assert "the card check passes" in capsys.readouterr().out
    assert roles.read_text(encoding="utf-8") == before.replace(
        "  - where do i pick my roles\n", "  - where do i pick my roles\n  - Which menu gives me my tags?\n"
    )
    assert "Which menu gives me my tags?" in load_knowledge_strict(knowledge).cards["roles"].questions
    assert states() == {live: State.EXPORTED, proposed: State.PROPOSED}

    assert main(["learn", "approve", proposed]) == 0
    assert main(["learn", "reject", proposed]) == 0
    assert main(["learn", "approve", proposed]) == 1  # rejected: cannot go live any more
    assert "no proposed phrasing" in capsys.readouterr().err
    assert states()[proposed] is State.REJECTED


def test_an_export_the_card_check_refuses_leaves_the_files_as_they_were(
    knowledge: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    roles = knowledge / "cards" / "server" / "roles.md"
    before = roles.read_text(encoding="utf-8")
    live = propose("which roles can i pick here", "roles", State.LIVE)
    checks = []

    def refused_after_writing(root: Path) -> tuple[KnowledgeBase, list[Problem]]:
        """The real check, with an error once the files are written: any error a written file could cause."""
        knowledge, problems = load_knowledge(root)
        checks.append(roles.read_text(encoding="utf-8"))
        return knowledge, problems + ([Problem(str(roles), 3, "refused")] if len(checks) > 1 else [])

    monkeypatch.setattr(commands, "load_knowledge", refused_after_writing)
    assert main(["learn", "export"]) == 1
    assert "which roles can i pick here" in checks[-1]  # it was written, then put back
    assert "the files are as they were" in capsys.readouterr().err
    assert roles.read_text(encoding="utf-8") == before
    assert states() == {live: State.LIVE}
