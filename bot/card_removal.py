"""A card removed from chat (`/faq remove`, on Discord and on Slack): its file deleted only when the cards left pass
the checks of `bot check`, and every attempt logged with who asked. One path for both chats, so a removal leaves the
same trace in the log whichever an admin used; each adapter then reloads the cards and says so in its own way."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from bot.cards import KnowledgeError
from bot.cards.edits import remove_card

log = logging.getLogger(__name__)


async def remove_logged(root: Path, path: Path, fields: dict[str, Any]) -> None:
    """Delete the card file at `path` (off the event loop) and log it with `fields`: who asked, where, which card.
    Raises KnowledgeError with the problems the removal would cause, or OSError when the file could not be deleted:
    then nothing was removed (logged too)."""
    try:
        await asyncio.to_thread(remove_card, root, path)
    except KnowledgeError as exc:
        log.info("/faq remove refused", extra={"fields": {**fields, "problems": len(exc.problems)}})
        raise
    except OSError as exc:
        log.warning("/faq remove could not delete the card: %s", exc, extra={"fields": fields})
        raise
    log.info("card removed from /faq remove", extra={"fields": fields})
