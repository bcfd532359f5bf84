"""`learn export`: live phrasings written into their cards' files, which stay the one source of truth.

Only the `questions:` list of a card's front matter changes: the YAML is read and written back with ruamel.yaml's
round trip, which keeps comments, key order, quoting and flow style, at the indentation the file uses; the answer
after the front matter is kept byte for byte.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from bot.cards.loader import FRONT_MATTER, question_key
from bot.cards.model import KnowledgeBase

LIST_ITEM = re.compile(r"^(?P<indent> *)-(?P<gap> +)\S", re.MULTILINE)


@dataclass(frozen=True)
class Exported:
    """What an export wrote (or would write): the new text of each file, and the phrasings it could not place."""

    texts: dict[Path, tuple[str, str]] = field(default_factory=dict)  # path: (old text, new text)
    written: list[str] = field(default_factory=list)  # ids of the phrasings now in a file
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (phrasing id, why)

    def diff(self) -> str:
        return "".join(
            "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), str(path), str(path)))
            for path, (old, new) in self.texts.items()
        )


def _yaml(front: str) -> YAML:
    """A round-trip YAML that writes lists as the file already does (`  - item` or `- item`) and never wraps."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    found = LIST_ITEM.search(front)
    offset, gap = (len(found["indent"]), len(found["gap"])) if found else (2, 1)
    yaml.indent(mapping=2, sequence=offset + 1 + gap, offset=offset)
    return yaml


def with_questions(text: str, questions: list[str]) -> str:
    """A card file's text with these questions added at the end of its `questions:` list."""
    match = FRONT_MATTER.match(text)
    if match is None:
        raise ValueError("no front matter")
    front = match["front"]
    yaml = _yaml(front)
    data = yaml.load(front)
    if not isinstance(data, CommentedMap) or not isinstance(data.get("questions"), list):
        raise ValueError("no questions list in the front matter")
    data["questions"].extend(questions)
    out = io.StringIO()
    yaml.dump(data, out)
    return text[: match.start("front")] + out.getvalue() + text[match.end("front") :]


def export(knowledge: KnowledgeBase, live: Iterable[tuple[str, str, str]]) -> Exported:
    """The new texts of the card files for the live phrasings, (id, card id, question), read from disk now."""
    taken = {question_key(q): card.id for card in knowledge.cards.values() for q in card.questions}
    added: dict[Path, list[tuple[str, str]]] = {}
    result = Exported()
    for phrasing_id, card_id, question in live:
        card = knowledge.cards.get(card_id)
        owner = taken.get(question_key(question))
        if card is None or card.path is None:
            result.skipped.append((phrasing_id, f"no card {card_id} in the knowledge folder"))
        elif owner == card_id:
            result.written.append(phrasing_id)  # already in its file (edited by hand): nothing to write
        elif owner is not None:
            result.skipped.append((phrasing_id, f"card {owner} already has this question"))
        else:
            taken[question_key(question)] = card_id
            added.setdefault(card.path, []).append((phrasing_id, question))
    for path, phrasings in added.items():
        old = path.read_text(encoding="utf-8")
        try:
            new = with_questions(old, [question for _, question in phrasings])
        except Exception as error:  # a file changed since it loaded: its phrasings wait for the next export
            result.skipped.extend((phrasing_id, f"{path}: {error}") for phrasing_id, _ in phrasings)
            continue
        result.texts[path] = (old, new)
        result.written.extend(phrasing_id for phrasing_id, _ in phrasings)
    return result


def write(exported: Exported) -> None:
    for path, (_, new) in exported.texts.items():
        path.write_text(new, encoding="utf-8")


def restore(exported: Exported) -> None:
    for path, (old, _) in exported.texts.items():
        path.write_text(old, encoding="utf-8")
