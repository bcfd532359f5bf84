"""The front matter most cards have, read without YAML's machinery: what YAML would make of it, or None.

A card's front matter is nearly always a few `key: value` lines, block lists of `- item` lines, flow lists
(`[a, b]`) and one small mapping (`source:`, as indented lines or as `{document: x, section: y}`). Read line by line
with a few regular expressions, such a text loads in about half the time libyaml and the constructor's Python objects
take (10,000 generated front matters: 0.17 s of CPU against 0.38 s). Anything outside that narrow shape gives None,
and the caller loads the text with YAML as before: a comment after a value, a multi-line or escaped scalar, an
anchor, a tag, a tab, a plain scalar with a colon, a '#' or a bracket, one YAML reads as a number, a date, a boolean
or null, a key with no value. So the result, when there is one, is the one `yaml.load` with the safe loader gives
(the tests compare the two on every shipped and example card and on tricky texts), and every error is still YAML's,
reported on its line.
"""

from __future__ import annotations

import re
from functools import cache

Value = str | list[str] | dict[str, str]

# Characters YAML does not read as text everywhere: a tab, a carriage return or another control character (an error,
# or whitespace with rules of its own), a byte-order mark, a surrogate or non-character, the line breaks U+0085,
# U+2028 and U+2029. Listed rather than the characters allowed: that class took 7 ms to compile at every start.
_OUTSIDE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_STARTS = r"[^-?:,\[\]{}#&*!|>'\"%@`\s]"  # no indicator, no space of any kind
# A plain scalar holds no ':', '#' or bracket, and ends with no space; in a flow list or mapping it also holds no ','
# or '?' (on which libyaml and PyYAML's own scanner differ).
_PLAIN = rf"{_STARTS}(?:[^:#\[\]{{}}]*[^:#\[\]{{}} ])?"
_FLOW_PLAIN = rf"{_STARTS}(?:[^:#,?\[\]{{}}]*[^:#,?\[\]{{}} ])?"
_QUOTED = r"\"(?P<double>[^\"\\]*)\"|'(?P<single>(?:[^']|'')*)'"  # on one line, with no escape
_KEY = r"[A-Za-z_][A-Za-z0-9_-]*"
# A line: a key or a list item, with its value if it has one on the line; or a blank or comment line (which says
# nothing outside a scalar over several lines, not read here).
_LINE = re.compile(
    rf"(?P<indent> *)(?:(?P<key>{_KEY}):|(?P<dash>-))(?: +(?:{_QUOTED}|(?P<plain>{_PLAIN})|(?P<flow>[\[{{].*?)))? *"
    r"|(?P<nothing> *(?:#.*)?)"
)
_FLOW_ITEM = re.compile(rf" *(?:{_QUOTED}|(?P<plain>{_FLOW_PLAIN})) *(?P<end>[,\]])")
_FLOW_PAIR = re.compile(rf" *(?P<key>{_FLOW_PLAIN}): +(?:{_QUOTED}|(?P<plain>{_FLOW_PLAIN})) *(?P<end>[,}}])")


@cache
def _not_text() -> tuple[list[re.Pattern[str]], dict[str, list[re.Pattern[str]]]]:
    """The patterns by which YAML reads a plain scalar as something else than a string: those for any first
    character, and by first character. Found when a first card is read: PyYAML is imported then, not at start."""
    import yaml

    resolvers = getattr(yaml, "CSafeLoader", yaml.SafeLoader).yaml_implicit_resolvers
    any_start = [regexp for tag, regexp in resolvers.get(None, []) if tag != "tag:yaml.org,2002:str"]
    by_start = {
        start: [regexp for tag, regexp in patterns if tag != "tag:yaml.org,2002:str"] + any_start
        for start, patterns in resolvers.items()
        if start is not None
    }
    return any_start, by_start


class _UnsupportedError(Exception):
    """The text is not of the shape read here: YAML reads it."""


def load(text: str) -> dict[str, Value] | None:
    """The mapping YAML would load from `text`, when `text` has the narrow shape read here; otherwise None."""
    if _OUTSIDE.search(text):
        return None
    try:
        return _mapping(text.split("\n")) or None
    except _UnsupportedError:
        return None


def _mapping(lines: list[str]) -> dict[str, Value]:
    """Top-level `key: value` lines, and under a key with no value on its line a block: `- item` lines (indented or
    not), or indented `key: value` lines, each with a scalar."""
    data: dict[str, Value] = {}
    block: list[str] | dict[str, str] | None = None
    block_indent = ""
    open_key = None  # the key whose block has not started yet
    for line in lines:
        match = _LINE.fullmatch(line)
        if match is None:
            raise _UnsupportedError
        indent, key, dash, *_, flow, nothing = match.groups()
        if nothing is not None:
            continue
        if open_key is not None and (dash or indent):
            block, block_indent = ([] if dash else {}), indent
            data[open_key], open_key = block, None
        if block is not None and indent == block_indent and (dash is not None) == isinstance(block, list):
            if flow is not None:
                raise _UnsupportedError
            item = _scalar(match)
            if isinstance(block, list):
                block.append(item)
            else:
                block[_plain_text(key)] = item
            continue
        if indent or key is None or open_key is not None:  # out of line, or the key before it has no value: null
            raise _UnsupportedError
        block = None
        if flow is not None:
            data[_plain_text(key)] = _flow(flow)
        elif match["double"] is not None or match["single"] is not None or match["plain"] is not None:
            data[_plain_text(key)] = _scalar(match)
        else:
            open_key = _plain_text(key)
    if open_key is not None:
        raise _UnsupportedError
    return data


def _flow(value: str) -> Value:
    """A flow list or mapping written whole on its key's line."""
    if value.startswith("["):
        return [_scalar(item) for item in _items(value, _FLOW_ITEM, "]")]
    return {_plain_text(pair["key"]): _scalar(pair) for pair in _items(value, _FLOW_PAIR, "}")}


def _items(value: str, item: re.Pattern[str], close: str) -> list[re.Match[str]]:
    """The items of a flow list or mapping, each ending at its ',' or the closing bracket, which ends the value."""
    if not value.endswith(close):
        raise _UnsupportedError
    if not value[1:-1].strip(" "):
        return []
    items = []
    at = 1
    while (match := item.match(value, at)) is not None:
        items.append(match)
        at = match.end()
        if match["end"] == close:
            if at != len(value):
                break
            return items
    raise _UnsupportedError


def _scalar(match: re.Match[str]) -> str:
    """The string the scalar a pattern matched stands for."""
    double, single, plain = match.group("double", "single", "plain")
    if double is not None:
        return str(double)
    if single is not None:
        return str(single).replace("''", "'")
    if plain is None:
        raise _UnsupportedError
    return _plain_text(plain)


def _plain_text(plain: str) -> str:
    """A plain scalar that YAML resolves to a string (not a number, a date, a boolean, null…)."""
    any_start, by_start = _not_text()
    if any(regexp.match(plain) for regexp in by_start.get(plain[:1], any_start)):
        raise _UnsupportedError
    return plain
