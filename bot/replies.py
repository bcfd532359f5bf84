"""What the bot says, independent of the platform: every adapter renders these, none writes its own wording."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.cards.model import Card, KnowledgeBase
from bot.decline_hint import DeclineHint
from bot.engine import Match, Outcome
from bot.engine.text import question_text

if TYPE_CHECKING:
    from bot.guard import Refused

DECLINE = "I couldn't find a confident answer to that."
DECLINE_AMBIGUOUS = "That could match more than one answer, and I'd rather not guess."
# For a message with nothing to look up: a greeting, thanks, small talk to the bot, emoji alone.
DECLINE_NO_QUESTION = "Happy to help! Ask me a question whenever you like."
DID_YOU_MEAN = "Did you mean one of these?"
# Asked for beyond a reply's three cards: the next ones of a decline (More…), the others after a 👎 on an answer.
MORE = "More…"
MORE_CARDS = "A few more that come close:"
NOT_IT = "Sorry that wasn't it."
NO_MORE_CARDS = "No other card comes close to that question. Try asking in other words."
QUESTION_GONE = "That question is no longer on record; try asking again."
# A broad question several cards each answer a part of, with no overview card: those cards to pick from.
BROAD = "Several answers each cover a part of that."
PICK_PART = "Which one would you like?"
# A partial answer: the card on the question's subject, after a line built from the question and the card.
PARTIAL_KIND = "The cards don't say {kind}. Here is what they say about {subject}:"
PARTIAL_WORDS = "The cards say nothing about {words}. Here is what they say about {subject}:"
PICKED_SCORE = 100.0  # a card picked by hand, shown as chosen outright
KIND_WORDS = {"person": "who", "time": "when", "amount": "how much or how many", "place": "where", "steps": "how"}
NOT_A_QUESTION = "Ask me a question in words, for example: {example}"
TOO_LONG = "That question is too long for me ({length:,} characters; the limit is {limit:,}). Could you shorten it?"
# For questions and for clicks that show a card alike: they share one cooldown.
SLOW_DOWN = "You're going faster than I can keep up. Please wait {seconds:.0f} s and try again."
ERROR = "Sorry, something went wrong on my side while answering. Please try again in a moment."
# Chat components: feedback, related answers, browsing
FEEDBACK_HELPFUL = "Helpful"
FEEDBACK_UNHELPFUL = "Not helpful"
FEEDBACK_THANKS = "Thanks for the feedback: it helps the admins improve the answers."
FEEDBACK_ALREADY = "You already voted on this answer. Thanks!"
FEEDBACK_NO_RECORDS = "Thanks for the feedback! (This chat keeps no records, so the admins will not see it.)"
FEEDBACK_NOT_RECORDED = "Thanks! I couldn't record your vote just now, sorry: please try again later."
RELATED = "Related"
RELATED_PLACEHOLDER = "Related answers"
PICK_PLACEHOLDER = "Pick the question you meant"
CARD_GONE = "That answer is no longer available; try asking again."
SOURCE = "Source"
TOPICS = "What I can answer"
SOURCES = "Where my answers come from"
NO_SOURCES = "No source documents are listed yet."
PAGE = "Page {page} of {pages}"
PREVIOUS = "Previous"
NEXT = "Next"
HELP = "How to ask me"
HELP_COMMANDS = (
    "`/ask` a question (autocomplete suggests known ones; `private` shows the reply to you alone), "
    "mention me or send me a direct message, or use *Find answer* on a message. "
    "`/topics` lists what I know and `/sources` where my answers come from."
)
HELP_COMMANDS_SLACK = (
    "`/ask <question>` answers in the channel, and I answer in a thread when you mention me or send me a "
    "direct message. `/ask help` shows this again."
)
HOW_IT_DECIDES = (
    "I answer from curated answer cards written by this community's admins. Each question is compared with "
    "every card's questions, keywords and answer; I reply only when one card matches clearly better than the "
    "rest, and otherwise say so and suggest the closest cards. Every answer names its source."
)


@dataclass(frozen=True)
class SourceRef:
    document: str | None  # None: the card cites a web address directly
    title: str
    section: str | None
    url: str | None

    @classmethod
    def of(cls, card: Card, knowledge: KnowledgeBase) -> SourceRef:
        cited, source = card.source, knowledge.source_of(card)
        if source is None:
            return cls(None, cited.title or cited.url or "", cited.section, cited.url)
        return cls(source.id, source.name, cited.section, source.url)

    def label(self) -> str:
        return f"{self.title}, {self.section}" if self.section else self.title


@dataclass(frozen=True)
class Paging:
    """Where a list of offered cards stands (`bot/more_cards.py`): its page (from 0), whether a More… button shows a
    next one, and the card the list leaves out (an answer voted down)."""

    number: int
    more: bool
    without: str | None = None


@dataclass(frozen=True)
class Reply:
    """A match, or a card picked by hand, turned into what a person should see."""

    outcome: Outcome
    score: float  # 0–100, as shown beside an answer; a card picked by hand is chosen outright: 100
    card: Card | None
    source: SourceRef | None
    related: tuple[Card, ...]
    suggestions: tuple[Card, ...]
    hint: DeclineHint | None = None  # a decline's line pointing at people who can answer (DECLINE_HINT)
    match: Match | None = None  # the engine's match of the question; none for a card picked by hand
    paging: Paging | None = None  # for cards offered: which of them these are, and whether more follow

    @property
    def answered(self) -> bool:
        return self.outcome in (Outcome.ANSWERED, Outcome.PARTIAL)

    @property
    def caveat(self) -> str | None:
        """For a partial answer, the line that says what the card does not hold."""
        lacking = self.match.lacking if self.match is not None else None
        if self.outcome is not Outcome.PARTIAL or lacking is None or not (lacking.kinds or lacking.words):
            return None
        asked = question_text(self.match.question).split() if self.match is not None else []
        subject = _as_typed(self.match, _subject(asked, lacking.subject)) or (self.card.title if self.card else "")
        if lacking.kinds:
            kinds = " or ".join(KIND_WORDS.get(kind, kind) for kind in lacking.kinds)
            return PARTIAL_KIND.format(kind=kinds, subject=subject)
        *others, last = [_as_typed(self.match, _named(asked, word, lacking.subject)) for word in lacking.words]
        words = f"{', '.join(others)} or {last}" if others else last
        return PARTIAL_WORDS.format(words=words, subject=subject)

    @property
    def offer(self) -> str:
        """The line before the cards offered instead of an answer: the parts of a broad question, "did you mean", or
        the cards a member asked for beyond those."""
        if self.outcome is Outcome.BROAD:
            return PICK_PART
        return MORE_CARDS if self.paging is not None and self.paging.number else DID_YOU_MEAN

    @property
    def headline(self) -> str:
        """The title of the answer, or the sentence that declines."""
        if self.card is not None:
            return self.card.title
        if self.outcome is Outcome.AMBIGUOUS:
            return DECLINE_AMBIGUOUS
        if self.outcome is Outcome.BROAD:
            return BROAD
        if self.paging is not None and self.paging.without is not None:
            return NOT_IT
        return DECLINE_NO_QUESTION if self.outcome is Outcome.EMPTY else DECLINE


def reply_for(match: Match, knowledge: KnowledgeBase, hint: DeclineHint | None = None) -> Reply:
    """The reply to a match; `hint` goes with a decline of a question (not with small talk, which asked nothing, nor
    with a broad question's parts, which answer it)."""
    card = match.card
    if card is None:
        hint = hint if match.outcome not in (Outcome.EMPTY, Outcome.BROAD) else None
        suggestions = tuple(s.card for s in match.suggestions)
        paging = Paging(0, True) if match.more else None
        return Reply(match.outcome, match.score, None, None, (), suggestions, hint, match, paging)
    # The runners-up nearly as close come first among the related cards: the member who meant one of them picks it.
    close = [s.card for s in match.suggestions if s.card.id != card.id]
    related = tuple({other.id: other for other in (*close, *related_of(card, knowledge))}.values())
    return Reply(match.outcome, match.score, card, SourceRef.of(card, knowledge), related, (), None, match)


def card_reply(card: Card, knowledge: KnowledgeBase) -> Reply:
    """The reply for a card picked by hand (a "did you mean" or related button), not matched from text."""
    return Reply(Outcome.ANSWERED, PICKED_SCORE, card, SourceRef.of(card, knowledge), related_of(card, knowledge), ())


def offered(cards: tuple[Card, ...], paging: Paging) -> Reply:
    """Cards a member asked for beyond a reply's own (`bot/more_cards.py`), to pick from as "did you mean" cards."""
    return Reply(Outcome.LOW_SCORE, 0.0, None, None, (), cards, paging=paging)


def related_of(card: Card, knowledge: KnowledgeBase) -> tuple[Card, ...]:
    return tuple(knowledge.cards[other] for other in card.related if other in knowledge.cards)


def as_json(reply: Reply) -> dict[str, Any]:
    """The stable JSON contract of `ask --json`, for the reply to a question (one the engine matched)."""
    match, card, source = reply.match, reply.card, reply.source
    assert match is not None, "a card picked by hand answers no question"
    return {
        "question": match.question,
        "answered": match.answered,
        "outcome": match.outcome.value,
        "card": card.id if card else None,
        "score": float(match.score),
        "answer": card.answer if card else None,
        "source": (
            {"document": source.document, "title": source.title, "section": source.section, "url": source.url}
            if source
            else None
        ),
        "suggestions": [
            {"card": s.card.id, "question": s.card.title, "score": float(s.score)} for s in match.suggestions
        ],
    }


def refusal_as_json(question: str, reason: Refused) -> dict[str, Any]:
    """`ask --json` for a question never put to the engine (empty, too long): the same contract, nothing matched."""
    return {
        "question": question,
        "answered": False,
        "outcome": reason.value,
        "card": None,
        "score": 0.0,
        "answer": None,
        "source": None,
        "suggestions": [],
    }


def example_question(knowledge: KnowledgeBase) -> str:
    return next(iter(knowledge.cards.values())).title if knowledge.cards else "What can you answer?"


def _subject(asked: list[str], held: tuple[str, ...]) -> str:
    """What a partial answer is about, said as the question said it: its longest run of words the card holds ("gpu
    clusters" of "who is building the gpu clusters for meta"), not every held word in a row; the first if several.
    A run's verb forms at its ends are left out: "llama 2", not "llama 2 trained"."""
    best: list[str] = []
    run: list[str] = []
    for word in [*asked, ""]:
        if word in held:
            run.append(word)
            continue
        while len(run) > 1 and _verb_form(run[-1]):
            run.pop()
        while len(run) > 1 and _verb_form(run[0]):
            run.pop(0)
        if len(run) > len(best):
            best = run
        run = []
    return " ".join(best) or " ".join(held)


def _verb_form(word: str) -> bool:
    return len(word) > 4 and word.endswith(("ed", "ing"))


def _named(asked: list[str], word: str, held: tuple[str, ...]) -> str:
    """A word the cards lack, with the held word before it when it is a number: "llama 4", not "4"."""
    if word.isdigit() and word in asked and (at := asked.index(word)) and asked[at - 1] in held:
        return f"{asked[at - 1]} {word}"
    return word


def _as_typed(match: Match | None, words: str) -> str:
    """The words with the asker's own capitals where the question has them as typed ("Llama 2", not "llama 2")."""
    if match is None or not words:
        return words
    found = re.search(r"(?<!\w)" + r"\W+".join(map(re.escape, words.split())) + r"(?!\w)", match.question, re.I)
    return found.group(0) if found and found.group(0).lower() == words else words
