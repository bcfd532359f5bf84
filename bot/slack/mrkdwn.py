"""Text for Slack: card Markdown to mrkdwn, and user text made inert before it is echoed.

Slack reads `<…>` as control sequences (`<!channel>`, `<@U…>`, `<url|text>`), so `&`, `<` and `>` are escaped
everywhere except in the links written here, and those only to web and mail addresses (`bot.cards.links`).
"""

from __future__ import annotations

import html
import re

from bot.cards.links import LINK, linkable, text_of

_CONTROL = re.compile(r"<([^<>]*)>")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_AUTOLINK = re.compile(r"<(https?://[^\s<>]+)>")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_BOLD_MARK = "\x00"
_PLACEHOLDER = re.compile("\x01(\\d+)\x01")


def escape(text: str) -> str:
    """Make text inert: no mention, broadcast or link can form from it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _readable(match: re.Match[str]) -> str:
    """What a control sequence shows as: `<@U1>` → `@U1`, `<!here>` → `@here`, `<url|text>` → `text`."""
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if label:
        return label
    if target.startswith(("@", "#")):
        return target
    if target.startswith("!subteam^"):
        return "@" + target.removeprefix("!subteam^")
    if target.startswith("!"):
        return "@" + target[1:]
    return target


def plain(slack_text: str) -> str:
    """A message as Slack sent it, turned back into the plain words the user typed."""
    return html.unescape(_CONTROL.sub(_readable, slack_text))


def link(url: str, text: str) -> str:
    """A link to a web or mail address; any other target (`!channel`, `@U1`) would ping, so it shows as text."""
    if not linkable(url):
        return escape(text)
    return f"<{escape(url)}|{escape(text).replace('|', '¦')}>"


def _inline(text: str) -> str:
    """Convert one line's inline Markdown; code spans and links are set aside first so nothing inside them changes."""
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\x01{len(kept) - 1}\x01"

    text = _CODE_SPAN.sub(lambda m: keep(f"`{escape(m.group(2).strip())}`"), text)
    text = LINK.sub(lambda m: keep(link(m.group(2), text_of(m))), text)
    text = _AUTOLINK.sub(lambda m: keep(f"<{escape(m.group(1))}>"), text)
    text = escape(text)
    text = _BOLD.sub(lambda m: f"{_BOLD_MARK}{m.group(2)}{_BOLD_MARK}", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _STRIKE.sub(r"~\1~", text)
    text = text.replace(_BOLD_MARK, "*")
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], text)


def to_mrkdwn(markdown: str) -> str:
    """A card's Markdown as Slack mrkdwn: bold, italics, strike, lists, quotes, links, code and code blocks."""
    lines: list[str] = []
    in_code = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_code = not in_code
            lines.append("```")
            continue
        if in_code:
            lines.append(escape(line))
            continue
        if heading := _HEADING.match(line):
            lines.append(f"*{_inline(heading.group(1))}*")
        elif bullet := _BULLET.match(line):
            lines.append(f"{bullet.group(1)}• {_inline(bullet.group(2))}")
        elif quote := _QUOTE.match(line):
            lines.append(f">{_inline(quote.group(1))}")
        else:
            lines.append(_inline(line))
    if in_code:
        lines.append("```")
    return "\n".join(lines).strip("\n")
