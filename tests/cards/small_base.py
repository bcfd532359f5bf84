"""A small knowledge folder written as files, for the tests of what a load reads again and what it keeps."""

from __future__ import annotations

from pathlib import Path


def write_card(root: Path, name: str, question: str, answer: str, extra: str = "") -> Path:
    """A card file under `root / "cards"`; `extra` goes after its question, in the front matter."""
    path = root / "cards" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\nquestions:\n  - {question}\n{extra}source:\n  document: handbook\n---\n{answer}\n", encoding="utf-8"
    )
    return path


def small_base(tmp_path: Path) -> Path:
    """A knowledge folder of two cards, one in a subfolder, citing one handbook."""
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "sources.yaml").write_text("- id: handbook\n  title: The handbook\n", encoding="utf-8")
    write_card(knowledge, "roles.md", "how do i get a role", "Open the roles channel.")
    write_card(knowledge, "rules/rules.md", "where are the server rules", "Read the rules channel.")
    return knowledge
