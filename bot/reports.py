"""What admins read to improve the cards: unanswered questions, feedback per card, and usage statistics.

Pure functions over the store's rows (and the serving cards, to name the closest one); `build` loads the rows of a
period and a scope: one server's or workspace's records for its admins, or, on the command line only, everything.
The CLI and the `/faq` commands both render these same reports, each saying which records it read.
"""

from __future__ import annotations

import asyncio
import statistics
import textwrap
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import yaml
from rapidfuzz import fuzz, process

from bot.cards.model import KnowledgeBase
from bot.engine import Suggestion, content_key
from bot.holder import EngineHolder
from bot.settings import REPORT_DAYS
from bot.store import QuestionRow, Scope, Store, VoteRow, days_ago
from bot.store.records import PickRow

SIMILAR = 75.0  # similarity (rapidfuzz ratio of the sorted content stems) at which two questions are one group
GROUPS_MAX = 20
LEADERS_MAX = 1000  # groups others can join: bounds the work on a long tail of questions asked once
VARIANTS_MAX = 5
REASONS_MAX = 3
TOP_CARDS = 10

Kind = Literal["unanswered", "feedback", "stats"]


@dataclass(frozen=True)
class Closest:
    card: str
    title: str
    score: float


@dataclass
class UnansweredGroup:
    """Declined questions that say the same thing: the most frequent wording first."""

    question: str
    count: int
    variants: list[str]
    closest: Closest | None
    last_asked: float


@dataclass(frozen=True)
class CardFeedback:
    card: str
    title: str | None  # None when the card no longer exists
    helpful: int
    unhelpful: int
    reasons: list[str]

    @property
    def helpful_ratio(self) -> float:
        return self.helpful / (self.helpful + self.unhelpful)


@dataclass(frozen=True)
class Day:
    day: str
    questions: int
    answered: int


@dataclass
class Stats:
    questions: int
    answered: int
    median_score: float | None
    declined: dict[str, int]  # by outcome
    top_cards: list[tuple[str, int]]
    per_day: list[Day]
    votes: int
    helpful_votes: int
    picks: int
    platforms: dict[str, int] = field(default_factory=dict)

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.questions if self.questions else None


@dataclass
class Report:
    kind: Kind
    days: int
    scope: Scope | None  # None: every record, of every platform, server, workspace and direct message
    unanswered: list[UnansweredGroup] = field(default_factory=list)
    feedback: list[CardFeedback] = field(default_factory=list)
    stats: Stats | None = None


def group_unanswered(
    rows: Iterable[QuestionRow], closest: Callable[[str], Suggestion | None], limit: int = GROUPS_MAX
) -> list[UnansweredGroup]:
    """Declined questions grouped by similarity, most asked first, each with the card that came closest."""
    wordings: dict[str, Counter[str]] = defaultdict(Counter)
    last: dict[str, float] = {}
    for row in rows:
        if row.answered:
            continue
        key = content_key(row.question)
        if not key:
            continue
        wordings[key][row.question.strip()] += 1
        last[key] = max(last.get(key, 0.0), row.asked_at)

    keys = sorted(wordings, key=lambda key: (-wordings[key].total(), key))
    leaders: list[str] = []  # the most asked key of each of the first groups, which later keys may join
    members: list[list[str]] = []
    for key in keys:
        found = process.extractOne(key, leaders, scorer=fuzz.ratio, score_cutoff=SIMILAR)
        if found is not None:
            members[found[2]].append(key)
            continue
        if len(leaders) < LEADERS_MAX:
            leaders.append(key)
        members.append([key])

    counted = []
    for group in members:
        counts: Counter[str] = Counter()
        for key in group:
            counts.update(wordings[key])
        counted.append((counts, max(last[key] for key in group)))
    counted.sort(key=lambda item: (-item[0].total(), -item[1]))
    groups = []
    for counts, last_asked in counted[:limit]:  # only the groups shown are ranked against the cards
        ranked = [text for text, _ in counts.most_common()]
        near = closest(ranked[0])  # worth a look, as a "did you mean" would be
        card = Closest(near.card.id, near.card.title, near.score) if near is not None else None
        groups.append(UnansweredGroup(ranked[0], counts.total(), ranked[1 : 1 + VARIANTS_MAX], card, last_asked))
    return groups


def feedback_by_card(votes: Iterable[VoteRow], knowledge: KnowledgeBase) -> list[CardFeedback]:
    """Cards with the most 👎 first, then the lowest helpful ratio."""
    helpful: Counter[str] = Counter()
    unhelpful: Counter[str] = Counter()
    reasons: dict[str, list[str]] = defaultdict(list)
    for vote in sorted(votes, key=lambda vote: -vote.voted_at):
        if vote.helpful:
            helpful[vote.card] += 1
        else:
            unhelpful[vote.card] += 1
            if vote.reason and len(reasons[vote.card]) < REASONS_MAX:
                reasons[vote.card].append(vote.reason)
    cards = [
        CardFeedback(
            card=card,
            title=knowledge.cards[card].title if card in knowledge.cards else None,
            helpful=helpful[card],
            unhelpful=unhelpful[card],
            reasons=reasons.get(card, []),
        )
        for card in helpful.keys() | unhelpful.keys()
    ]
    cards.sort(key=lambda item: (-item.unhelpful, item.helpful_ratio, item.card))
    return cards


def summarize(questions: Sequence[QuestionRow], votes: Sequence[VoteRow], picks: Sequence[PickRow]) -> Stats:
    per_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in questions:
        day = per_day[datetime.fromtimestamp(row.asked_at, UTC).date().isoformat()]
        day[0] += 1
        day[1] += row.answered
    answered = [row for row in questions if row.answered]
    return Stats(
        questions=len(questions),
        answered=len(answered),
        median_score=statistics.median(row.score for row in questions) if questions else None,
        declined=dict(Counter(row.outcome for row in questions if not row.answered).most_common()),
        top_cards=Counter(row.card for row in answered if row.card).most_common(TOP_CARDS),
        per_day=[Day(day, total, ok) for day, (total, ok) in sorted(per_day.items())],
        votes=len(votes),
        helpful_votes=sum(vote.helpful for vote in votes),
        picks=len(picks),
        platforms=dict(Counter(row.platform for row in questions).most_common()),
    )


async def build(
    kind: Kind,
    store: Store,
    holder: EngineHolder,
    scope: Scope | None,
    days: int = REPORT_DAYS,
    now: float | None = None,
) -> Report:
    """Load the scope's rows of the last `days` days and compute one report, in a thread: a long period means many
    rows, and the bot's event loop keeps answering meanwhile. The scope is required so that no caller forgets it."""
    since = days_ago(days, now)
    report = Report(kind, days, scope)
    if kind == "unanswered":
        questions = await store.questions(since, scope)
        report.unanswered = await asyncio.to_thread(group_unanswered, questions, holder.closest)
    elif kind == "feedback":
        votes = await store.votes(since, scope)
        report.feedback = await asyncio.to_thread(feedback_by_card, votes, holder.knowledge)
    else:
        rows = await store.questions(since, scope), await store.votes(since, scope), await store.picks(since, scope)
        report.stats = await asyncio.to_thread(summarize, *rows)
    return report


def empty(kind: Kind, days: int, scope: Scope | None) -> Report:
    """The report of a store that holds nothing yet, made without opening one."""
    return Report(kind, days, scope, stats=summarize([], [], []) if kind == "stats" else None)


def scope_line(scope: Scope | None) -> str:
    """Whose records a report shows, as its first line."""
    if scope is None:
        return "Scope: everything recorded (every server, workspace and direct message)"
    return f"Scope: {scope} only"


def as_json(report: Report) -> dict[str, Any]:
    scope = None if report.scope is None else asdict(report.scope)
    data: dict[str, Any] = {"report": report.kind, "days": report.days, "scope": scope}
    if report.kind == "unanswered":
        data["groups"] = [asdict(group) for group in report.unanswered]
    elif report.kind == "feedback":
        data["cards"] = [{**asdict(item), "helpful_ratio": round(item.helpful_ratio, 3)} for item in report.feedback]
    elif report.stats is not None:
        rate = report.stats.answer_rate
        data["stats"] = {**asdict(report.stats), "answer_rate": None if rate is None else round(rate, 3)}
    return data


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def format_text(report: Report) -> str:
    return f"{scope_line(report.scope)}\n{_body(report)}"


def _body(report: Report) -> str:
    period = f"the last {report.days} day{'s' if report.days != 1 else ''}"
    if report.kind == "unanswered":
        if not report.unanswered:
            return f"No declined questions in {period}."
        lines = [f"Declined questions in {period}, most asked first:"]
        for group in report.unanswered:
            closest = (
                f"closest card: {group.closest.card} ({group.closest.score:.0f})" if group.closest else "no close card"
            )
            lines.append(f"{group.count:>4}× {group.question}  [{closest}]")
            lines += [f"        also: {variant}" for variant in group.variants]
        return "\n".join(lines)
    if report.kind == "feedback":
        if not report.feedback:
            return f"No feedback votes in {period}."
        lines = [f"Feedback in {period}, most 👎 first:"]
        for item in report.feedback:
            title = item.title or "(card no longer exists)"
            votes = f"{item.unhelpful:>4} 👎 {item.helpful:>4} 👍  {_percent(item.helpful_ratio):>4} helpful"
            lines.append(f"{votes}  {item.card}: {title}")
            lines += [f"        “{reason}”" for reason in item.reasons]
        return "\n".join(lines)
    stats = report.stats
    assert stats is not None
    lines = [
        f"Statistics for {period}:",
        f"questions: {stats.questions}, answered: {stats.answered} ({_percent(stats.answer_rate)})",
        f"median score: {'n/a' if stats.median_score is None else f'{stats.median_score:.1f}'}",
        f"declined: {', '.join(f'{outcome} {count}' for outcome, count in stats.declined.items()) or 'none'}",
        f"votes: {stats.votes} ({stats.helpful_votes} helpful), did-you-mean picks: {stats.picks}",
    ]
    if stats.top_cards:
        lines.append("top cards: " + ", ".join(f"{card} {count}" for card, count in stats.top_cards))
    lines += [f"  {day.day}: {day.questions} asked, {day.answered} answered" for day in stats.per_day]
    return "\n".join(lines)


def format_eval(report: Report) -> str:
    """Declined questions in the eval-set format, to review: move each one a card should answer to `in_scope`
    with that card's id; the rest are out-of-scope cases as they stand."""
    lines = [
        f"# {scope_line(report.scope)}",
        f"# Declined questions from the last {report.days} days, most asked first. To label: move a question a",
        "# card should answer to in_scope as {question: ..., card: ...}; keep the rest under out_of_scope.",
        "in_scope: []",
        "out_of_scope:",
    ]
    if not report.unanswered:
        lines[-1] += " []"
    for group in report.unanswered:
        closest = f"closest card {group.closest.card} ({group.closest.score:.0f})" if group.closest else "no close card"
        lines.append(f"  # asked {group.count}×; {closest}")
        for question in [group.question, *group.variants]:
            lines.append(
                textwrap.indent(yaml.safe_dump([question], allow_unicode=True, width=10_000), "  ").rstrip("\n")
            )
    return "\n".join(lines) + "\n"
