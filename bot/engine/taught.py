"""How the phrasings members taught a card are matched: as the card's own phrasings for a question close to one of
them, and not at all for a question that only shares a word or two with it.

A learned phrasing is a whole question as a member typed it, chatter and all: matched as a card's own phrasing, its
stray words ("chat", "game") pulled questions about something else to its card, and cost answers the bot gave
right before it learned. An identical question is answered from the exact matches, before any scoring.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.cards.model import Card

# A learned phrasing counts toward its card's score only when its word similarity with the question (cosine over
# TF-IDF words, 0–1) reaches this: the same question reworded, not one that shares a word or two with it.
MIN_SIMILARITY = 0.3


def learned_phrases(cards: Sequence[Card], phrase_start: np.ndarray) -> np.ndarray:
    """The positions of the learned phrasings among the index's phrases: each card's come after its own questions."""
    rows = [
        np.arange(len(card.questions), len(card.asked)) + int(phrase_start[index])
        for index, card in enumerate(cards)
        if card.learned
    ]
    return np.concatenate(rows) if rows else np.zeros(0, dtype=np.intp)


def gate(phrase_words: np.ndarray, phrase_chars: np.ndarray, learned: np.ndarray) -> None:
    """Zero the scores of the learned phrasings too far from the question, in place."""
    if len(learned):
        far = learned[phrase_words[learned] < MIN_SIMILARITY]
        phrase_words[far] = 0.0
        phrase_chars[far] = 0.0
