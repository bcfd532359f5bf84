"""Card files written by the bot itself (an import, an answer captured from chat) in the format people write by
hand, under a name that never replaces another file, and kept only when the checks of `bot check` pass.

The card files stay the one source of truth: whatever writes a card goes through here, so a written card reads
like a hand-written one and can be edited as one.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.cards.loader import KnowledgeError, Problem, card_entries, load_knowledge, shown_path, yaml_loader
from bot.cards.model import CardSource

SLUG_MAX_CHARS = 60


@dataclass(frozen=True)
class Draft:
    """A card before it has a file: its questions (the first is its title), answer, tags and what it cites."""

    questions: tuple[str, ...]
    answer: str
    source: CardSource
    tags: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.questions[0]

    def text(self) -> str:
        """The card file: YAML front matter as people write it (block lists, indented), then the answer."""
        lines = ["---", "questions:", *(f"  - {scalar(question)}" for question in self.questions)]
        if self.tags:
            lines += ["tags:", *(f"  - {scalar(tag)}" for tag in self.tags)]
        lines.append("source:")
        lines += [f"  {key}: {scalar(value)}" for key, value in self.source.model_dump(exclude_none=True).items()]
        return "\n".join([*lines, "---", self.answer.strip()]) + "\n"


def scalar(text: str) -> str:
    """A YAML scalar for `text`: as it is when YAML reads it back as the same string (most questions), else
    double-quoted. A JSON string is a valid YAML double-quoted one; PyYAML's own emitter took 2 ms a card."""
    try:
        plain = "\n" not in text and yaml.load(text, Loader=yaml_loader()) == text
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def slug(title: str) -> str:
    """A file name's stem for a title: lowercase ASCII words joined by '-', cut between words ("card" if none)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    kept = ""
    for word in re.findall(r"[a-z0-9]+", ascii_title):
        if kept and len(kept) + 1 + len(word) > SLUG_MAX_CHARS:
            break
        kept = f"{kept}-{word}" if kept else word[:SLUG_MAX_CHARS]
    return kept or "card"


def card_names(root: Path) -> set[str]:
    """The stems of every card file of the knowledge folder: a card's id is its file's stem, and ids are unique."""
    return {Path(entry.name).stem for entry in card_entries(root)}


def place(folder: Path, drafts: Iterable[Draft], taken: set[str]) -> dict[Path, Draft]:
    """A free file in `folder` for each draft, named after its title (`-2`, `-3`… when the name is taken);
    `taken` gains the names given."""
    placed: dict[Path, Draft] = {}
    for draft in drafts:
        base = name = slug(draft.title)
        number = 2
        while name in taken or (folder / f"{name}.md").exists():
            name, number = f"{base}-{number}", number + 1
        taken.add(name)
        placed[folder / f"{name}.md"] = draft
    return placed


def problems_of(root: Path, files: Mapping[Path, str | None]) -> list[Problem]:
    """The errors `bot check` would report once `files` are written (or, given None, deleted): those in the files
    themselves, and those they would cause elsewhere (another card's question then on two cards, a related link to a
    card deleted). Errors already there before are not theirs."""
    _, after = load_knowledge(root, files)
    shown = {shown_path(path) for path in files}
    errors = [problem for problem in after if not problem.warning]
    theirs = [problem for problem in errors if problem.path in shown]
    elsewhere = [problem for problem in errors if problem.path not in shown]
    if elsewhere:
        before = set(load_knowledge(root)[1])
        theirs += [problem for problem in elsewhere if problem not in before]
    return sorted(theirs)


def write_checked(root: Path, files: Mapping[Path, str], replace: bool = False) -> None:
    """Write `files` (new card files, or with `replace` card files edited, and `sources.yaml` when it changes) if
    `bot check` would pass them, else raise KnowledgeError with the problems and write nothing."""
    problems = problems_of(root, files)
    if problems:
        raise KnowledgeError(problems)
    for path, text in sorted(files.items(), key=lambda item: item[0].suffix == ".md"):  # the sources first
        write_file(path, text, replace=replace or path.suffix != ".md")
    os.sync()  # on disk before the caller says "saved": once for them all (an fsync a file cost 3 ms each)


def write_card(root: Path, draft: Draft, folder: Path | None = None) -> Path:
    """One new card in `folder` (default: `root/cards`), checked before it is kept; its path. KnowledgeError names
    what is wrong with it."""
    path, _ = place(folder or root / "cards", [draft], card_names(root)).popitem()
    write_checked(root, {path: draft.text()})
    return path


def write_file(path: Path, text: str, replace: bool = False) -> None:
    """The whole file or nothing, as a reader (the watcher, a reload) sees it: written under a hidden name (no card
    to the loader), then linked into place, which fails on an existing file unless `replace`. Not synced: the caller
    syncs once for all it writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.chmod(temporary, 0o644)  # readable as a hand-written file is, not mkstemp's owner-only mode
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # FileExistsError rather than another card's file replaced
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
