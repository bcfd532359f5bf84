"""The matching core: normalize, index once, match or decline. Knows nothing of any chat platform."""

from bot.engine.matcher import Engine, Match, Outcome, Suggestion
from bot.engine.offers import SUGGESTION_FLOOR
from bot.engine.text import content_key

__all__ = ["SUGGESTION_FLOOR", "Engine", "Match", "Outcome", "Suggestion", "content_key"]
