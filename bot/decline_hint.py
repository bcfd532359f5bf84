"""DECLINE_HINT: a line added to every decline, pointing the asker at people who can answer.

Platform-neutral: each adapter renders it with its own escaping and, where it can make one, its own mention of the
channel and the role. The admin's text is escaped like any other text the bot did not write itself, so neither it
nor a typo in it can ping a crowd; only the placeholders become mentions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from string import Formatter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings

PLACEHOLDERS = frozenset({"channel", "role"})
ROLE_IN_WORDS = "a moderator"  # what {role} reads where no role is mentioned


def placeholders_problem(template: str) -> str | None:
    """Why `template` cannot be a decline hint, or None: it may hold {channel} and {role} and nothing else."""
    try:
        fields = [
            (name, spec, conversion) for _, name, spec, conversion in Formatter().parse(template) if name is not None
        ]
    except ValueError as exc:
        return f"{exc}: write {{{{ and }}}} for a brace"
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS or spec or conversion:
            return (
                f"{{{name}}} is not known: the hint may use {{channel}} and {{role}} (write {{{{ and }}}} for a brace)"
            )
    return None


@dataclass(frozen=True)
class DeclineHint:
    template: str
    channel: str  # how {channel} reads where no link to it can be made
    channel_id: int | None = None  # Discord: {channel} becomes a link to this channel
    role_id: int | None = None  # Discord: {role} becomes this role's mention

    @classmethod
    def of(cls, settings: Settings) -> DeclineHint | None:
        if not settings.decline_hint or not settings.decline_hint.strip():
            return None
        return cls(
            settings.decline_hint.strip(),
            settings.decline_hint_channel,
            settings.discord_decline_hint_channel_id,
            settings.discord_decline_hint_role_id,
        )

    def render(self, escape: Callable[[str], str] = str, channel: str | None = None, role: str | None = None) -> str:
        """The line: the admin's words through `escape`, {channel} and {role} as the mentions given (already safe for
        the platform), else in words."""
        parts: list[str] = []
        for literal, name, _, _ in Formatter().parse(self.template):
            parts.append(escape(literal))
            if name == "channel":
                parts.append(channel or escape(self.channel))
            elif name == "role":
                parts.append(role or escape(ROLE_IN_WORDS))
        return "".join(parts)
