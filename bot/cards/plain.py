"""Pydantic's validation errors in plain words: the field named, and what it may hold.

A card's author reads these from `bot check`, and whoever edits an eval file from `bot eval`; neither should have
to know pydantic ("Extra inputs are not permitted"). A model names itself with `title` in its config ("a card") and
may show an example of itself in `EXAMPLE`.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

PATTERNS = {  # what each pattern of the models asks for, in words
    r"^[a-z0-9][a-z0-9_-]*$": "use lowercase letters, digits, '-' and '_'",
    r"^https?://\S+$": "use a web address starting with http:// or https://",
}


# What a value of the wrong kind must be instead, by pydantic's error type (its context fills the braces).
MUST_BE = {
    "dict_type": "be a mapping (key: value)",
    "list_type": "be a list: '- item' lines, or [a, b]",
    "string_type": "be text",
    "float_type": "be a number",
    "float_parsing": "be a number",
    "too_short": "not be empty",
    "string_too_short": "not be empty",
    "greater_than_equal": "be at least {ge}",
    "less_than_equal": "be at most {le}",
}


def field_name(loc: Sequence[int | str]) -> str:
    """`("in_scope", 2, "card")` → "in_scope item 3: card": the 1-based item a person counts in the file."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1] if parts else 'item'} item {part + 1}"]
        else:
            parts.append(part)
    return ": ".join(parts)


def _model_at(model: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model that holds the value at `loc` (a nested model, or the model in a list), or None for a plain value."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if current else None
        if field is None:
            return None
        current = next(
            (kind for kind in (field.annotation, *typing.get_args(field.annotation)) if _is_model(kind)), None
        )
    return current


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _noun(model: type[BaseModel]) -> str:
    return str(model.model_config.get("title") or model.__name__)


def _quoted(names: Sequence[str]) -> str:
    return " and ".join(", ".join(f"'{name}'" for name in names).rsplit(", ", 1))


def _shape(model: type[BaseModel]) -> str:
    """ "a mapping with 'document' and optional 'section', e.g. source: {...}"."""
    if described := getattr(model, "SHAPE", None):  # fields whose rule is between them, worded by the model
        shape = str(described)
        example = getattr(model, "EXAMPLE", None)
        return f"{shape}, e.g. {example}" if example else shape
    required = [name for name, field in model.model_fields.items() if field.is_required()]
    optional = [name for name, field in model.model_fields.items() if not field.is_required()]
    shape = "a mapping with " + _quoted(required)
    if optional:
        shape += f"{' and' if required else ''} optional {_quoted(optional)}"
    example = getattr(model, "EXAMPLE", None)
    return f"{shape}, e.g. {example}" if example else shape


def message(model: type[BaseModel], error: ErrorDetails) -> str:
    """One error of `model.model_validate` as a sentence naming the field."""
    loc, kind, ctx = error["loc"], error["type"], error.get("ctx", {})
    name = field_name(loc) or _noun(model)
    if kind in {"extra_forbidden", "missing"}:
        owner = _model_at(model, loc[:-1]) or model
        where = f"{field_name(loc[:-1])}: " if loc[:-1] else ""
        if kind == "missing":
            needed = ", ".join(field for field, info in owner.model_fields.items() if info.is_required())
            return f"{where}missing field {loc[-1]!r}: {_noun(owner)} needs {needed}"
        return f"{where}unknown field {loc[-1]!r}: {_noun(owner)} may have {', '.join(owner.model_fields)}"
    if kind in {"model_type", "model_attributes_type"}:
        nested = _model_at(model, loc)
        return f"{name} must be {_shape(nested) if nested else 'a mapping'}"
    if kind in MUST_BE:
        return f"{name} must {MUST_BE[kind].format(**ctx)}"
    if kind == "value_error":  # a model's own rule, already worded for the reader
        return f"{name}: {ctx.get('error', error['msg'])}"
    if kind == "string_pattern_mismatch":
        wanted = PATTERNS.get(str(ctx.get("pattern")), f"it must match {ctx.get('pattern')}")
        return f"{name} {error['input']!r}: {wanted}"
    return f"{name}: {error['msg']}"
