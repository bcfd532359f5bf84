"""Which links in a card's Markdown stay links: web and mail addresses only, on every platform.

On Slack a link becomes `<target|text>`, so a target such as `!channel`, `!here`, `!subteam^…` or `@U…` would be
a real ping of a crowd or a person, and `#C…` a channel link. Any target but http, https and mailto shows as its
text instead, on Slack and on Discord alike, and `bot check` reports it as an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# [text](target) or ![text](target "title"); a target may hold balanced parentheses, as CommonMark reads it
# (`https://en.wikipedia.org/wiki/Llama_(language_model)`).
LINK = re.compile(r"!?\[([^\]]*)\]\(((?:[^\s()]|\([^\s()]*\))+)(?:\s+\"[^\"]*\")?\)")
SCHEMES = frozenset({"http", "https", "mailto"})


def linkable(target: str) -> bool:
    scheme, colon, rest = target.partition(":")
    return bool(colon and rest) and scheme.lower() in SCHEMES


def text_of(link: re.Match[str]) -> str:
    """What a link shows: its text, or its target when the text is empty."""
    return link.group(1) or link.group(2)


def unlinked(markdown: str) -> str:
    """The Markdown with every link to a target that is not `linkable` written as its text, in code too (as
    `unlinkable` reports it: a card holding one does not load)."""
    lines = markdown.split("\n")  # a link never spans lines, as the Slack conversion reads them
    return "\n".join(LINK.sub(lambda m: m.group(0) if linkable(m.group(2)) else text_of(m), line) for line in lines)


def unlinkable(markdown: str) -> Iterator[tuple[int, str]]:
    """Each link target that is not `linkable`, with its line in `markdown` (0 for the first), code included."""
    for number, line in enumerate(markdown.split("\n")):
        for link in LINK.finditer(line):
            if not linkable(link.group(2)):
                yield number, link.group(2)
