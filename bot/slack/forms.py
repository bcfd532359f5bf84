"""The card forms as Block Kit modals (`views.open`): a new card (`/faq add`, Save as FAQ card) and an existing
card's question, phrasings and answer (`/faq edit`). What a form needs when it is sent back (where to say the
result, which card, the file as it was opened) rides in its `private_metadata`, so it works after a restart."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from bot.cards.loader import Problem
from bot.clip import clip

ADD, EDIT = "faq_add", "faq_edit"  # the modals' callback ids
ADD_TITLE, EDIT_TITLE = "New FAQ card", "Edit FAQ card"  # Slack allows 24 characters
QUESTION_FIELD_MAX_CHARS, TEXT_FIELD_MAX_CHARS = 200, 3000  # Slack allows 3,000 characters in a text field
ERROR_MAX_CHARS = 1000  # characters of problems shown under one field
VALUE = "value"  # the one action id of every field
FOLDERS = frozenset({"added", "captured"})  # where under `cards/` a new card may go


@dataclass(frozen=True)
class Context:
    """What the form's sending needs: the way it came (for the log), the folder of a new card under `cards/`,
    the response URL the result is said to, and for an edit the card and the digest of its file as opened."""

    what: str = "/faq add"
    folder: str = "added"
    response_url: str | None = None
    card: str | None = None
    opened: str | None = None

    def dumps(self) -> str:
        return json.dumps({key: value for key, value in asdict(self).items() if value is not None})

    @classmethod
    def loads(cls, text: str | None) -> Context:
        """The context a form was opened with; a form the bot did not make has the default one, and a new card never
        goes anywhere but the folders the bot writes to."""
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        context = cls(**{key: str(value) for key, value in data.items() if key in cls.__dataclass_fields__})
        return context if context.folder in FOLDERS else cls(context.what, response_url=context.response_url)


def digest(text: str) -> str:
    """Stands for a card file's text in a form: the file is not overwritten when it changed since."""
    return hashlib.sha256(text.encode()).hexdigest()


def _field(
    block_id: str,
    label: str,
    value: str,
    limit: int,
    *,
    multiline: bool,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "multiline": multiline,
        "max_length": limit,
    }
    if value:
        element["initial_value"] = value[:limit]
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _modal(callback_id: str, title: str, context: Context, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": context.dumps(),
        "blocks": blocks,
    }


def _card_fields(question: str, phrasings: str, answer: str) -> list[dict[str, Any]]:
    return [
        _field("question", "Question (the card's title)", question, QUESTION_FIELD_MAX_CHARS, multiline=False),
        _field(
            "phrasings",
            "Other ways people ask it (one a line)",
            phrasings,
            TEXT_FIELD_MAX_CHARS,
            multiline=True,
            optional=True,
        ),
        _field("answer", "Answer (Markdown)", answer, TEXT_FIELD_MAX_CHARS, multiline=True),
    ]


def add_view(context: Context, question: str = "", answer: str = "", source: str = "") -> dict[str, Any]:
    """The form of a new card, prefilled as given."""
    blocks = [
        *_card_fields(question, "", answer),
        _field("tags", "Tags (comma-separated; the first groups it)", "", 200, multiline=False, optional=True),
        _field(
            "source",
            "Source: a web address, or a document id, section",
            source,
            500,
            multiline=False,
            hint="https://… Title, section   or   handbook, Roles",
        ),
    ]
    return _modal(ADD, ADD_TITLE, context, blocks)


def edit_view(context: Context, questions: tuple[str, ...], answer: str) -> dict[str, Any]:
    """The form of an existing card: its question, other phrasings and answer as its file has them."""
    return _modal(EDIT, EDIT_TITLE, context, _card_fields(questions[0], "\n".join(questions[1:]), answer))


def fits(questions: tuple[str, ...], answer: str) -> str | None:
    """The field of a card too long for Slack's form, or None when it fits."""
    if len(questions[0]) > QUESTION_FIELD_MAX_CHARS:
        return "question"
    if len("\n".join(questions[1:])) > TEXT_FIELD_MAX_CHARS:
        return "other phrasings"
    return "answer" if len(answer) > TEXT_FIELD_MAX_CHARS else None


def values(view: dict[str, Any]) -> dict[str, str]:
    """Each field's text as sent ("" for one left empty or missing)."""
    state = (view.get("state") or {}).get("values") or {}
    typed: dict[str, str] = {}
    for block_id in ("question", "phrasings", "answer", "tags", "source"):
        value = ((state.get(block_id) or {}).get(VALUE) or {}).get("value")
        typed[block_id] = value if isinstance(value, str) else ""
    return typed


def field_of(problem: Problem, fields: tuple[str, ...]) -> str:
    """The form field a problem of `bot check` is about, so Slack shows it under that field."""
    message = problem.message.casefold()
    for field, words in (("source", ("source",)), ("tags", ("tag",)), ("question", ("question", "phrasing"))):
        if field in fields and any(word in message for word in words):
            return field
    return "answer"


def errors(problems: list[Problem], fields: tuple[str, ...]) -> dict[str, str]:
    """`response_action: errors` for the problems: each field's, one a line, cut to fit."""
    shown: dict[str, list[str]] = {}
    for problem in problems:
        shown.setdefault(field_of(problem, fields), []).append(problem.message)
    return {field: clip("\n".join(lines), ERROR_MAX_CHARS) for field, lines in shown.items()}
