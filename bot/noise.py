"""The noise stress test: an eval set's questions wrapped in the openers and closers of real chat.

Members rarely ask a bare question: they greet, hedge, address the bot by a typed name, add "rn" or "asking for a
friend". None of that says what they ask, so none of it may change the decision: each wrapped question must get
the decision its bare question gets (the same card, or a decline).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.engine import Engine, Match

OPENERS = (
    "heyyy",
    "gm",
    "sup",
    "wait so",
    "good morning!",
    "hey bot,",
    "@faqbot",
    "@bot",
    "yo",
    "hi all,",
    "quick question:",
    "ok so",
    "hmm",
    "lol ok",
    "honestly",
    "random q but",
    "sorry if this was asked before but",
    "sorry if dumb q but",
    "hello!!",
    "hey guys",
    "um",
    "so like",
    "real quick,",
    "ngl",
    "hiya",
    "omg",
    "👋",
    "re the earlier thing,",
    "hey everyone, newbie here.",
)
CLOSERS = (
    "or nah",
    "asking for a friend",
    "in this context",
    "rn",
    "pls",
    "thx",
    "thanks!",
    "lol",
    "😅",
    "🙏",
    "anyone?",
    "tia",
    "cheers",
    "haha",
    "if that makes sense",
    "just curious",
    "ty",
    "no rush",
    ":)",
    "?? 🤔",
    "thanks in advance!!",
    "pls help",
)
VARIANTS = 8  # wrapped forms a question: openers alone, closers alone and both, rotating through every wrapper
MIN_KEPT = 0.97  # of wrapped questions that keep their bare question's decision
# Of wrapped declines that stay declined: all but the odd one a closer turns into a request ("... pls help").
MIN_DECLINES_KEPT = 0.99


def wrapped(question: str, rng: random.Random) -> Iterator[str]:
    """The question behind an opener, before a closer, and between both."""
    bare = question.strip()
    for variant in range(VARIANTS):
        opener, closer = rng.choice(OPENERS), rng.choice(CLOSERS)
        if variant % 3 == 0:
            yield f"{opener} {bare}"
        elif variant % 3 == 1:
            yield f"{bare} {closer}"
        else:
            yield f"{opener} {bare} {closer}"


def decision(match: Match) -> str | None:
    return match.card.id if match.answered and match.card else None


@dataclass
class NoiseReport:
    tried: int = 0
    kept: int = 0  # wrapped questions that got their bare question's decision
    declines_tried: int = 0
    declines_kept: int = 0  # wrapped decline questions (declined bare) still declined
    flips: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)  # (bare, wrapped, was, now)

    @property
    def kept_share(self) -> float:
        return self.kept / self.tried if self.tried else 1.0

    @property
    def declines_kept_share(self) -> float:
        return self.declines_kept / self.declines_tried if self.declines_tried else 1.0

    @property
    def passed(self) -> bool:
        return self.kept_share >= MIN_KEPT and self.declines_kept_share >= MIN_DECLINES_KEPT


def stress(engine: Engine, in_scope: list[str], out_of_scope: list[str], seed: int = 0) -> NoiseReport:
    report = NoiseReport()
    rng = random.Random(seed)
    for question, must_decline in [(q, False) for q in in_scope] + [(q, True) for q in out_of_scope]:
        bare = decision(engine.answer(question))
        for text in wrapped(question, rng):
            now = decision(engine.answer(text))
            report.tried += 1
            report.kept += now == bare
            if must_decline and bare is None:
                report.declines_tried += 1
                report.declines_kept += now is None
            if now != bare:
                report.flips.append((question, text, bare, now))
    return report


def format_noise(report: NoiseReport, limit: int = 15) -> str:
    verdict = "PASS" if report.passed else "FAIL"
    lines = [
        f"noise: {report.kept_share:.1%} of {report.tried} wrapped questions keep their bare decision (at least "
        f"{MIN_KEPT:.0%}); {report.declines_kept_share:.1%} of {report.declines_tried} wrapped declines stay declined "
        f"(at least {MIN_DECLINES_KEPT:.0%}): {verdict}",
    ]
    for bare, text, was, now in report.flips[:limit]:
        lines.append(f"  {text!r}: {was or 'declined'} -> {now or 'declined'}  (bare: {bare!r})")
    if len(report.flips) > limit:
        lines.append(f"  … and {len(report.flips) - limit} more")
    return "\n".join(lines)
