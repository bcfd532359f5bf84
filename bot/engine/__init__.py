"""The matching core: normalize, index once, match or decline. Knows nothing of any chat platform."""

from bot.engine.matcher import Engine, Match, Outcome, Suggestion

__all__ = ["Engine", "Match", "Outcome", "Suggestion"]
