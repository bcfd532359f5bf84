"""Text cut to a platform's limit: a long card, title or question must never get a message refused."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """The text whole when it fits; else its first `limit - 1` characters, less trailing space, and an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
