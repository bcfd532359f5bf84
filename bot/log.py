"""Logging set-up: plain lines for a terminal, JSON lines for collectors, and secrets never printed."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable

# Discord bot tokens and Slack tokens, should a library ever log one.
TOKEN_SHAPES = re.compile(r"\b(?:[MNO][\w-]{23,28}\.[\w-]{6}\.[\w-]{27,}|xox[abprs]-[\w-]{10,}|xapp-[\w-]{10,})\b")


class RedactingFilter(logging.Filter):
    """Replaces known secrets and token-shaped strings in every record before any handler sees it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return TOKEN_SHAPES.sub("[redacted]", text)

    def redact_field(self, value: object) -> object:
        """Numbers stay numbers for JSON; anything else is logged as its redacted text."""
        if value is None or isinstance(value, bool | int | float):
            return value
        return self.redact(str(value))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {key: self.redact_field(value) for key, value in fields.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None)
        return f"{line} {' '.join(f'{k}={v}' for k, v in fields.items())}" if fields else line


QUIET_LIBRARIES = ("aiosqlite",)


def _not_about_voice(record: logging.LogRecord) -> bool:
    """A text bot never joins a voice channel: discord.py's warning that voice libraries are missing is noise."""
    return not record.getMessage().endswith("voice will NOT be supported")


def setup_logging(level: str, fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Log to stderr (stdout belongs to command output such as `ask --json`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries whose debug lines are one a statement or a frame: DEBUG is for the bot's own detail.
    for chatty in QUIET_LIBRARIES:
        logging.getLogger(chatty).setLevel(max(logging.INFO, root.level))
    logging.getLogger("discord.client").addFilter(_not_about_voice)
