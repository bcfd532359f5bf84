"""The front matter read without YAML gives what YAML gives, or nothing (and YAML reads it)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cards import simple_yaml
from bot.cards.loader import FRONT_MATTER, yaml_loader

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"

# Values that YAML reads in some other way than a plain string, or that come close to it.
TRICKY = [
    "plain words", "what's new?", "a, b", "a  b", "x:y", "a: b", "a #b", "a#b", "a [b]", "a {b}", "- x", "-x", "?x",
    ":x", ",x", "yes", "No", "on", "OFF", "y", "n", "true", "True", "null", "Null", "~", "1", "-1", "+1", "1.5",
    "1e3", ".inf", ".5", "0x1f", "0o7", "1_000", "1:20", "2024-01-01", "2024-01-01 10:00:00", "=", "<<", "&x a",
    "*x", "!!str 1", "!x", "|", ">", "%x", "@x", "`x", "é", "ü ö", "naïve café", "\U0001f600 emoji", "a\xa0",
    "\xa0a", "a\u2028b", "a\x85b", "a\tb", "a\rb", "a\ufeffb", "a\x7fb", '"q"', '"a b"', '""', '"  "', '"a: b"',
    '"a # b"', '"it\'s"', '"a\\"b"', '"a\\nb"', '"a\\/b"', '"x" y', "'s'", "''", "'it''s'", "'a\"b'", "'a' b",
    "[a, b]", "[a,b]", "[ a , b ]", "[]", "[ ]", "[a,]", "[,a]", "[a, \"b, c\"]", "[a, 'b']", "[a?b]", "[a:b]",
    "[a: b]", "[a, [b]]", "[a, {b: c}]", "[yes, b]", "[1, b]", "[a] # c", "[a", "{a: b}", "{a: b, c: d}", "{a:b}",
    "{a : b}", "{a: yes}", "{2fa: mfa}", "{deep fakes: x}", "{on: x}", "{a: 'b'}", "{a: \"b, c\"}", "{a: b, a: c}",
    "{a: [b]}", "{a: b,}", "{}", "{ }", "{a}", "{a: }", "{a: b} x",
]  # fmt: skip
KEYS = ["questions", "tags", "source", "x-y", "_k", "on", "null", "yes", "2fa", "Key", "a b", "k", "k"]


def same(one: Any, other: Any) -> bool:
    """Equal and of the same types all the way down: 1 == True and 1 == 1.0, but YAML read them differently."""
    if type(one) is not type(other):
        return False
    if isinstance(one, dict):
        return list(one) == list(other) and all(same(one[key], other[key]) and same(key, key) for key in one)
    if isinstance(one, list):
        return len(one) == len(other) and all(same(a, b) for a, b in zip(one, other, strict=True))
    return bool(one == other)


def agrees(text: str) -> bool:
    """Whether the quick reading, if it gives anything, gives what YAML gives (and YAML reads the text)."""
    quick = simple_yaml.load(text)
    if quick is None:
        return True
    try:
        loaded = yaml.load(text, Loader=yaml_loader())
    except yaml.YAMLError:
        return False
    return same(quick, loaded)


def fronts() -> list[tuple[str, str]]:
    found = []
    for path in sorted(KNOWLEDGE.rglob("*.md")):
        match = FRONT_MATTER.match(path.read_text(encoding="utf-8-sig"))
        if match:
            found.append((str(path.relative_to(KNOWLEDGE)), match["front"]))
    return found


def test_every_shipped_and_example_card_reads_as_yaml_reads_it() -> None:
    shipped = fronts()
    assert len(shipped) > 100
    for name, front in shipped:
        assert agrees(front), name
    # The shipped cards are of the shape read quickly: the load's speed rests on it.
    quick = [name for name, front in shipped if simple_yaml.load(front) is not None]
    assert len(quick) == len(shipped)


def test_the_usual_card_shapes_are_read() -> None:
    text = (
        "questions:\n  - How do I get a role?\n  - \"where's the role menu\"\n  - 'it''s roles'\n"
        'tags: [server, roles]\n# a comment\n\nsource:\n    document: handbook\n    section: "Roles: intro"\n'
        "related: []\nsynonyms: {rolez: roles, 2fa: mfa}\ncovers:\n- a\n- b\n"
    )
    assert simple_yaml.load(text) == {
        "questions": ["How do I get a role?", "where's the role menu", "it's roles"],
        "tags": ["server", "roles"],
        "source": {"document": "handbook", "section": "Roles: intro"},
        "related": [],
        "synonyms": {"rolez": "roles", "2fa": "mfa"},
        "covers": ["a", "b"],
    }
    assert agrees(text)


@pytest.mark.parametrize("value", TRICKY)
def test_a_tricky_value_reads_as_yaml_reads_it(value: str) -> None:
    for text in (f"k: {value}\n", f"k:\n  - {value}\n", f"k:\n- {value}\n- b\n", f"k:\n  s: {value}\n"):
        assert agrees(text), text


@pytest.mark.parametrize(
    "text",
    [
        "k: yes\n",  # a boolean
        "k: 12\n",  # a number
        "k:\n",  # null
        "k: a # note\n",  # a comment after a value
        "k: first line\n  and the next\n",  # a scalar over two lines
        'k: "a\\nb"\n',  # an escape
        "k:\n  - a\n - b\n",  # items out of line
        "k:\n\t- a\n",  # a tab
        "- a\n",  # a list, not a mapping
        "k: &x a\nl: *x\n",  # an anchor and its alias
        "k: |\n  text\n",  # a block scalar
        "",
    ],
)
def test_what_it_does_not_read_is_left_to_yaml(text: str) -> None:
    assert simple_yaml.load(text) is None


def test_random_front_matters_read_as_yaml_reads_them() -> None:
    rng = random.Random(24)
    ordinary = ["word", "two words", "a question?", "it's", '"quoted: text"', "'single'", "[a, b c]", "{a: b}", "é"]

    def value() -> str:
        return rng.choice(TRICKY) if rng.random() < 0.2 else rng.choice(ordinary)

    def key() -> str:
        return rng.choice(KEYS) if rng.random() < 0.2 else rng.choice(["questions", "tags", "source"])

    quick = 0
    for _ in range(3000):
        lines = []
        for _ in range(rng.randint(1, 4)):
            shape = rng.randrange(3)
            if shape == 0:
                lines.append(f"{key()}: {value()}")
                continue
            lines.append(f"{key()}:{rng.choice(['', ' '])}")
            indent = rng.choice(["", "  ", "    "]) if shape == 1 else rng.choice([" ", "  "])
            for _ in range(rng.randint(1, 3)):
                inner = f"- {value()}" if shape == 1 else f"{key()}: {value()}"
                lines.append((indent + " " if rng.random() < 0.05 else indent) + inner + rng.choice(["", " "]))
                if rng.random() < 0.1:
                    lines.append(rng.choice(["", "# note", "  # note", "   "]))
        text = "\n".join(lines) + "\n"
        assert agrees(text), text
        quick += simple_yaml.load(text) is not None
    assert quick > 500  # the quick reading was compared often enough to say something
