"""`faqbot import`: an existing FAQ turned into card files and a sources.yaml entry for it.

Every card is checked as `bot check` would check it before anything is written; an entry that would not pass is
left out and reported on its line of the FAQ, and the rest are written. Cards go to `cards/<source id>/`, one folder
an import, so an import can be looked over, or removed, as a whole.
"""

from __future__ import annotations

import datetime
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.cards.faq_formats import MARKDOWN_SUFFIXES, TABLE_SUFFIXES, Entry, parse
from bot.cards.loader import (
    FILE_MAX_BYTES,
    Problem,
    UnreadableError,
    decode,
    load_knowledge,
    question_key,
    shown_path,
    too_short,
    yaml_loader,
)
from bot.cards.model import CardSource
from bot.cards.writer import Draft, card_names, place, problems_of, slug, write_checked

IMPORT_MAX_BYTES = 16 * FILE_MAX_BYTES  # a FAQ holds many answers; a card file holds one
SUFFIXES = TABLE_SUFFIXES | MARKDOWN_SUFFIXES


class ImportRefusedError(Exception):
    """The FAQ cannot be imported at all (an unknown format, a file that cannot be read); the message says why."""


@dataclass
class Imported:
    """What an import wrote (or, dry, would write): the card files and their titles, the source entry, and every
    entry or phrasing left out, on its line of the FAQ."""

    source_id: str
    sources_path: Path
    cards: dict[Path, Draft] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def left_out(self) -> int:
        """The entries (lines of the FAQ) with something left out: a row may give several reasons."""
        return len({(problem.path, problem.line) for problem in self.problems if not problem.warning})


def import_faq(faq: Path, root: Path, dry_run: bool = False, today: datetime.date | None = None) -> Imported:
    """Import `faq` into the knowledge folder `root` (made when missing, unless `dry_run`)."""
    if faq.suffix.lower() not in SUFFIXES:
        raise ImportRefusedError(
            f"{faq}: unknown FAQ format {faq.suffix or '(no suffix)'!r}: give a .csv, .tsv or .md file"
        )
    shown = shown_path(faq)
    if not faq.is_file():  # a FIFO or a device would never end
        raise ImportRefusedError(f"{shown}: {'not a regular file' if faq.exists() else 'no such file'}")
    try:
        with faq.open("rb") as file:
            data = file.read(IMPORT_MAX_BYTES + 1)
        if len(data) > IMPORT_MAX_BYTES:
            raise ImportRefusedError(f"{shown}: larger than {IMPORT_MAX_BYTES:,} bytes: split it and import each part")
        text = decode(data)
    except OSError as exc:
        raise ImportRefusedError(f"{shown}: cannot read: {exc.strerror or exc}") from exc
    except UnreadableError as exc:
        raise ImportRefusedError(f"{shown}:{exc.line}: {exc}") from exc
    parsed = parse(text, shown, faq.suffix.lower())
    if root.is_dir() or not dry_run:
        return _import(faq, parsed.title, parsed.entries, parsed.problems, root, dry_run, today)
    with tempfile.TemporaryDirectory() as empty:  # a dry run into a folder yet to be made: checked in an empty one
        result = _import(faq, parsed.title, parsed.entries, parsed.problems, Path(empty), True, today)
    result.cards = {root / path.relative_to(empty): draft for path, draft in result.cards.items()}
    result.sources_path = root / "sources.yaml"
    return result


def _import(
    faq: Path,
    title: str | None,
    entries: list[Entry],
    problems: list[Problem],
    root: Path,
    dry_run: bool,
    today: datetime.date | None,
) -> Imported:
    if not dry_run:
        (root / "cards").mkdir(parents=True, exist_ok=True)
    sources_path = root / "sources.yaml"
    knowledge, _ = load_knowledge(root)
    source_id = _free(slug(faq.stem), set(knowledge.sources))
    result = Imported(source_id, sources_path, problems=list(problems))
    shown = shown_path(faq)
    owners = {
        question_key(question): f"on card {card.id!r}"
        for card in knowledge.cards.values()
        for question in card.questions
    }
    drafts: dict[int, Draft] = {}  # by the entry's line
    for entry in entries:
        draft = _draft(entry, source_id, owners, shown, result.problems)
        if draft is not None:
            drafts[entry.line] = draft
    sources_text = _with_source(sources_path, source_id, title or faq.name, faq.name, today)
    folder = root / "cards" / source_id
    placed = place(folder, drafts.values(), card_names(root))
    line_of = dict(zip(placed, drafts, strict=True))  # each card file's entry line in the FAQ
    texts = {path: draft.text() for path, draft in placed.items()}
    while placed:
        files = {sources_path: sources_text} | {path: texts[path] for path in placed}
        errors = problems_of(root, files)
        if not errors:
            break
        by_file = {shown_path(path): path for path in placed}
        unplaced = [error for error in errors if error.path not in by_file]
        if unplaced:  # sources.yaml or another card: no entry to leave out, so nothing is imported
            result.problems += unplaced
            placed = {}
            break
        for error in errors:
            path = by_file[error.path]
            placed.pop(path, None)
            result.problems.append(Problem(shown, line_of[path], f"{error.message}: left out"))
    result.cards = placed
    result.problems.sort()
    if placed and not dry_run:
        write_checked(root, {sources_path: sources_text} | {path: texts[path] for path in placed})
    return result


def _draft(entry: Entry, source_id: str, owners: dict[str, str], shown: str, problems: list[Problem]) -> Draft | None:
    """The entry as a card, without the phrasings another card or an earlier entry has, or too short to match; None
    when no phrasing is left. Each phrasing left out is reported on the entry's line. `owners` (a phrasing's key:
    where it is) gains the entry's phrasings."""
    questions: dict[str, str] = {}  # by key: a phrasing repeated within the entry is kept once
    for question in entry.questions:
        key = question_key(question)
        if key in owners:
            problems.append(Problem(shown, entry.line, f"question {question!r} is already {owners[key]}: left out"))
        elif too_short(key):
            message = f"question {question!r} is too short to match safely (use 2+ words): left out"
            problems.append(Problem(shown, entry.line, message))
        else:
            questions.setdefault(key, question)
    owners.update((key, f"asked at line {entry.line}") for key in questions)
    if not questions:
        if not entry.questions:  # else each phrasing's reason is reported above
            problems.append(Problem(shown, entry.line, "no question left to ask it by: left out"))
        return None
    cited = (
        CardSource(url=entry.url, section=entry.section)
        if entry.url
        else CardSource(document=source_id, section=entry.section)
    )
    return Draft(tuple(questions.values()), entry.answer, cited, tuple(dict.fromkeys(entry.tags)))


def _free(base: str, taken: set[str]) -> str:
    name, number = base, 2
    while name in taken:
        name, number = f"{base}-{number}", number + 1
    return name


def _with_source(path: Path, source_id: str, title: str, file_name: str, today: datetime.date | None) -> str:
    """sources.yaml with an entry for the imported file at its end, the rest of the file (comments too) kept."""
    day = (today or datetime.date.today()).isoformat()
    entry = {"id": source_id, "title": title, "retrieved": day, "notes": f"Imported from {file_name} by faqbot import."}
    added = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=120)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = ""
    try:
        empty = not yaml.load(text, Loader=yaml_loader())
    except yaml.YAMLError:
        empty = False  # a broken file is kept as it is: the check then reports it, and nothing is imported
    if empty and not any(line.lstrip().startswith("-") for line in text.splitlines()):
        text = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))  # `[]` would not extend
    return f"{text.rstrip()}\n{added}" if text.strip() else added
