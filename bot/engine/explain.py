"""`bot explain`: why a question scored what it did against its closest cards, for the people who write them.

It reads the engine's own steps (the question as matched, each word's reading, the cards' scores and the rule that
lowered one) rather than repeating them, so what it shows is what answering does.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.cards.model import Card
from bot.engine.asks import asks
from bot.engine.features import analyse, question_features
from bot.engine.matcher import QUERY_MAX_CHARS, UNANSWERED_FACTOR, Engine, Match, Outcome
from bot.engine.text import clean, is_content, stem

TOP = 3


@dataclass(frozen=True)
class Word:
    typed: str
    reading: str  # how the engine reads it


@dataclass(frozen=True)
class CardScore:
    card: Card
    score: float
    matched: list[tuple[str, float]]  # the question's content stems the card has, with their weight (tf × idf)
    lacking: list[str]  # the question's content stems the card does not have
    lowered: str | None  # the rule that halved its score, if one did


@dataclass(frozen=True)
class Explanation:
    question: str
    cleaned: str  # cleaned, before what says nothing is left out
    matched_as: str  # as matched: without chat noise and the bot's name, synonyms applied
    words: list[Word]
    cards: list[CardScore]
    decision: str
    match: Match


def explain(engine: Engine, question: str) -> Explanation:
    cleaned = clean(question[:QUERY_MAX_CHARS])
    asked = engine.question_text(question)
    expanded = engine.vocabulary.expand_synonyms(asked)
    words = [Word(word, _reading(engine, word)) for word in dict.fromkeys(expanded.split())]
    query = question_features(engine.vocabulary, asked)
    stems = list(dict.fromkeys(query.text.split()))
    kinds = asks(asked)
    index = engine.index.card_words
    weights = {stem: query.words[stem] * index.idf_of(stem) for stem in stems}
    total = sum(weight**2 for weight in weights.values())
    cards = []
    for suggestion in engine.rank(question, TOP):
        row = engine.cards.index(suggestion.card)
        matched = [(stem, weight) for stem, weight in weights.items() if index.has(stem, row)]
        coverage = sum(weight**2 for _, weight in matched) / total if total else 1.0
        lacking = [stem for stem in stems if not index.has(stem, row)]
        cards.append(
            CardScore(suggestion.card, suggestion.score, matched, lacking, engine.unanswered(row, kinds, coverage))
        )
    return Explanation(question, cleaned, expanded, words, cards, engine.decision(), engine.answer(question))


def _reading(engine: Engine, word: str) -> str:
    vocabulary = engine.vocabulary
    if not is_content(word):
        return "function word" + (" (a card uses it: counts a little)" if word in vocabulary else " (left out)")
    parts = analyse(vocabulary, word)
    if parts is None:
        return "chat filler no card uses (left out)"
    if word in vocabulary:
        return "a card's word"
    read, guessed = vocabulary.correct(word)
    shorthand = f"chat words for {' '.join(read)} (chat_words.txt)" if vocabulary.chat_form(word) else ""
    unknown = [part for part in parts if part.word not in vocabulary]
    stems = [part for part in unknown if engine.knows_stem(part.stem)]
    if unknown and len(stems) == len(unknown):
        weights = ", ".join(f"{part.stem} {part.weight:.2f}" for part in stems)
        kin = "its stem" if all(part.stem == stem(part.word) for part in stems) else "a word of its stem (-er)"
        return f"{shorthand or 'no card uses this form'}, but one has {kin}: matched as {weights} of a card's own word"
    if unknown:
        weights = ", ".join(f"{part.word} {part.weight:.2f}" for part in unknown)
        unused = ", ".join(part.word for part in unknown)
        said = f"{shorthand}; no card uses {unused}" if shorthand else "no card uses it"
        return f"{said}: weighs as the rarest word known, times {weights}, and pulls the score down"
    return shorthand or f"{'a typo of' if guessed else 'read as'} {' '.join(read)}"


def format_explanation(explanation: Explanation) -> str:
    lines = [f"question: {explanation.question!r}"]
    if explanation.matched_as != explanation.cleaned:
        lines.append(f"matched as: {explanation.matched_as!r} (chat noise, the bot's name and synonyms applied)")
    lines.append("words:")
    lines += [f"  {word.typed}: {word.reading}" for word in explanation.words]
    lines.append(explanation.decision)
    if not explanation.cards:
        lines.append("no card shares a word with it")
    for rank, card in enumerate(explanation.cards, 1):
        lines.append(f"{rank}. {card.card.id} ({card.card.title!r}): score {card.score:.1f}")
        matched = ", ".join(f"{stem} {weight:.2f}" for stem, weight in card.matched) or "none"
        lines.append(f"   words it has (weight): {matched}")
        if card.lacking:
            lines.append(f"   words it lacks: {', '.join(card.lacking)}")
        if card.lowered:
            lines.append(f"   halved: {card.lowered}")
    match = explanation.match
    if match.decided_on:
        lines.append(f"the whole message was not answered; decided on this part of it: {match.decided_on!r}")
    if match.asked:
        lines.append(
            f"the whole message decided with what it names read from its clause that asks: {match.asked!r} (the "
            "words around it count only for a card that has them, at half weight)"
        )
    if match.outcome is Outcome.PARTIAL and match.card is not None and match.lacking is not None:
        lacking = ", ".join(match.lacking.kinds or match.lacking.words)
        lines.append(
            f"decision: a partial answer with {match.card.id} (score {match.score:.1f}, halved for what it lacks; "
            f"as {match.score / UNANSWERED_FACTOR:.1f} it clears the threshold): it lacks {lacking}"
        )
    elif match.broad and match.card is not None:
        lines.append(
            f"decision: a broad question ({match.broad!r}) that several cards answer in part: answered with the "
            f"overview {match.card.id} (score {match.score:.1f}), which covers {', '.join(match.card.covers)}"
        )
    elif match.answered and match.card is not None:
        close = ", ".join(suggestion.card.id for suggestion in match.suggestions)
        also = f"; nearly as close, offered under it: {close}" if close else ""
        lines.append(f"decision: answered with {match.card.id} (score {match.score:.1f}){also}")
    elif match.outcome is Outcome.BROAD:
        parts = ", ".join(suggestion.card.id for suggestion in match.suggestions)
        lines.append(
            f"decision: a broad question ({match.broad!r}) that several cards answer in part, and no "
            f"overview card covers them: offered as a list: {parts}"
        )
    else:
        offered = ", ".join(suggestion.card.id for suggestion in match.suggestions) or "nothing"
        lines.append(f"decision: declined ({match.outcome.value}); offered: {offered}")
    return "\n".join(lines)
