"""A card's own file changed or deleted from chat (`/faq edit`, `/faq remove`), checked as `bot check` would check
the result before anything changes on disk.

An edit gives the file new questions and a new answer in its own text, and leaves the rest as written: its id,
source, tags, related cards, keywords, synonyms, comments and layout. A card edited from chat stays a file a person
can edit by hand, and a diff of it shows only what changed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.cards.loader import FRONT_MATTER, KnowledgeError, Problem, read_text, shown_path, yaml_loader
from bot.cards.writer import problems_of, scalar, write_checked

CHANGED = "the file changed since the form was opened: open the form again to edit it as it is now"
UNEDITABLE = "its questions are written in a way the bot cannot rewrite (edit the file itself)"
OUTSIDE = "not a card file of the knowledge folder's cards/: not changed"


@dataclass(frozen=True)
class CardFile:
    """A card file as it is on disk: its whole text, the questions as its front matter lists them (one-word ones
    included, which the loader takes as keywords) and the answer as written."""

    text: str
    questions: tuple[str, ...]
    answer: str


def read_card_file(root: Path, path: Path) -> CardFile:
    """The card file at `path`, read as the loader reads it (inside `root`, a regular file, 1 MiB at most); ValueError
    when it no longer holds a card's front matter (UnreadableError when it cannot be read)."""
    text = read_text(path, root.resolve())
    front, _ = _front_of(text)
    questions = front.get("questions")
    if not isinstance(questions, list) or not all(isinstance(question, str) for question in questions):
        raise ValueError("its front matter has no list of questions")
    match = FRONT_MATTER.match(text)
    assert match is not None  # _front_of matched it
    return CardFile(text, tuple(questions), match["body"].strip())


def edit_card(root: Path, path: Path, opened: str, questions: Sequence[str], answer: str) -> None:
    """Give the card file at `path` these questions and this answer, replacing the file whole (atomically) if the
    result passes the checks; KnowledgeError names what is wrong and nothing is written. `opened` is the text the
    edit started from: a file changed since is refused rather than overwritten."""
    _check_inside(root, path)
    current = read_card_file(root, path)
    if current.text != opened:
        raise KnowledgeError([Problem(shown_path(path), 0, CHANGED)])
    write_checked(root, {path: revised(current.text, questions, answer, path)}, replace=True)


def remove_card(root: Path, path: Path) -> None:
    """Delete the card file at `path` if the cards left pass the checks (no other card relates to it); KnowledgeError
    names what would break and nothing is deleted."""
    _check_inside(root, path)
    problems = problems_of(root, {path: None})
    if problems:
        raise KnowledgeError(problems)
    path.unlink()
    os.sync()  # gone on disk before the admin reads "removed"


def revised(text: str, questions: Sequence[str], answer: str, path: Path) -> str:
    """The card file's text with its `questions` value and its answer replaced, every other byte kept."""
    front, match = _front_of(text)
    node = _questions_node(match["front"])
    items = node.value
    if node.flow_style or not items:
        start, end = node.start_mark.index, node.end_mark.index
        listed = "[" + ", ".join(json.dumps(question, ensure_ascii=False) for question in questions) + "]"
    else:  # a block list: the first "-" to the end of the last item, so a comment after the list stays
        start, end = node.start_mark.index, items[-1].end_mark.index
        listed = ("\n" + " " * node.start_mark.column).join(f"- {scalar(question)}" for question in questions)
    new_front = match["front"][:start] + listed + match["front"][end:]
    if yaml.load(new_front, Loader=yaml_loader()) != {**front, "questions": list(questions)}:
        raise KnowledgeError([Problem(shown_path(path), 2, UNEDITABLE)])
    head = text[: match.start("front")] + new_front + text[match.end("front") : match.start("body")]
    if not head.endswith("\n"):  # the closing '---' ended the file
        head += "\n"
    return head + answer.strip() + "\n"


def _check_inside(root: Path, path: Path) -> None:
    """Only a card file of this knowledge folder is changed, never a file a card was once loaded from elsewhere."""
    if not path.absolute().is_relative_to((root / "cards").absolute()):
        raise KnowledgeError([Problem(shown_path(path), 0, OUTSIDE)])


def _front_of(text: str) -> tuple[dict[str, Any], re.Match[str]]:
    """The front matter as data, and the match that found it; ValueError when there is none to read."""
    match = FRONT_MATTER.match(text)
    if match is None:
        raise ValueError("it has no front matter")
    try:
        front = yaml.load(match["front"], Loader=yaml_loader())  # as the loader reads it
    except yaml.YAMLError as exc:
        raise ValueError(f"its front matter is not YAML: {exc}") from exc
    if not isinstance(front, dict):
        raise ValueError("its front matter is not a mapping")
    return front, match


def _questions_node(front: str) -> yaml.SequenceNode:
    """The YAML node of the front matter's `questions` value, with the positions of its text."""
    root = yaml.compose(front, Loader=yaml_loader())  # positions counted in characters, by libyaml too
    assert isinstance(root, yaml.MappingNode)
    node = next(value for key, value in root.value if key.value == "questions")
    assert isinstance(node, yaml.SequenceNode)  # the card passed the loader's checks: its questions are a list
    return node
