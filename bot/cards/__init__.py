"""Answer cards: the knowledge model and its loader. Knows nothing of any chat platform."""

from bot.cards.loader import KnowledgeError, Problem, load_knowledge, load_knowledge_strict
from bot.cards.model import Card, CardSource, KnowledgeBase, Source

__all__ = [
    "Card",
    "CardSource",
    "KnowledgeBase",
    "KnowledgeError",
    "Problem",
    "Source",
    "load_knowledge",
    "load_knowledge_strict",
]
