"""What the `/faq` admin commands say, on Discord and Slack alike: one wording, whichever chat an admin uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.reports import Kind

REPORT_TITLES: dict[Kind, str] = {
    "unanswered": "Unanswered questions",
    "feedback": "Feedback on answers",
    "stats": "Statistics",
}
NO_STORE = "Nothing is recorded on this bot (it runs without a store), so there is nothing to report."
STORE_DEGRADED = (
    "The records cannot be read just now: the store is degraded (the bot's log says why). The bot keeps answering, "
    "and the reports are back once the store records again."
)
RELOADED = "Reloaded: {cards} cards are answering now."
RELOADED_WITHOUT = "Reloaded: {cards} cards are answering now; the cards with these problems are left out:"
CARD_PROBLEMS = "Cards: degraded, {count} problem(s) leave cards out (/faq reload lists them)"
RELOAD_REFUSED = "Reload refused: the previous cards keep answering. Fix these and run /faq reload again:"
NOT_SAVED = "Not saved: fix these and send the form again."
NOT_WRITTEN = "Not saved: the card file could not be written ({reason})."
SAVED = "Saved as {path}."
EDITED = "Saved {path}."
NOT_CHANGED = "Not changed: the card file could not be written ({reason})."
UNREADABLE = "The card's file cannot be read ({reason}): open it in an editor, or run /faq reload to see why."
CONFIRM_REMOVE = "Remove the card “{title}”?"
REMOVED = "Removed {path}."
NOT_REMOVED = "Not removed: the card file could not be deleted ({reason})."
REMOVAL_REFUSED = "Not removed: the cards left would have these problems. Fix them first:"
NOT_YOURS = "Only the admin who asked to remove this card can confirm it."
NOTHING_TO_REMOVE = "That card is not answering any more (removed or renamed since): nothing to remove."
