"""The held-out eval: the same decision users get, measured against `knowledge/eval.yaml` and its thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field

from bot.cards.loader import Problem, load_yaml
from bot.engine import Engine, Match, Outcome


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", title="thresholds")
    EXAMPLE: ClassVar[str] = "thresholds: {in_scope_accuracy: 0.86, out_of_scope_recall: 0.97}"

    in_scope_accuracy: float = Field(ge=0, le=1)
    out_of_scope_recall: float = Field(ge=0, le=1)


class InScope(BaseModel):
    model_config = ConfigDict(extra="forbid", title="an in_scope case")
    EXAMPLE: ClassVar[str] = "- {question: how do i get a role, card: roles}"

    question: str
    card: str


class EvalSet(BaseModel):
    model_config = ConfigDict(extra="forbid", title="an eval file")

    thresholds: Thresholds
    in_scope: list[InScope] = Field(min_length=1)
    out_of_scope: list[str] = Field(min_length=1)

    @classmethod
    def load(cls, path: Path) -> tuple[EvalSet | None, list[Problem]]:
        """The eval set, or what is wrong with the file, each problem on its line as `bot check` shows a card's."""
        eval_set, problems = load_yaml(path, cls)
        return (None if problems else eval_set), problems


@dataclass
class EvalReport:
    thresholds: Thresholds
    in_scope_total: int = 0
    in_scope_correct: int = 0
    out_of_scope_total: int = 0
    out_of_scope_declined: int = 0  # declined, or answered partially (the reply says the cards lack it)
    out_of_scope_partial: int = 0  # of those, answered partially
    in_scope_partial: int = 0  # in-scope questions answered partially: misses, since their card holds the answer
    wrongly_declined_in_scope: int = 0  # in-scope questions declined (counts against out-of-scope precision)
    offered: int = 0  # of those, how many had their card among the "did you mean" suggestions: a click away
    misses: list[tuple[str, str, Match]] = field(default_factory=list)  # (question, expected card or "decline")

    @property
    def in_scope_accuracy(self) -> float:
        return self.in_scope_correct / self.in_scope_total if self.in_scope_total else 0.0

    @property
    def out_of_scope_recall(self) -> float:
        return self.out_of_scope_declined / self.out_of_scope_total if self.out_of_scope_total else 0.0

    @property
    def out_of_scope_precision(self) -> float:
        declined = self.out_of_scope_declined + self.wrongly_declined_in_scope
        return self.out_of_scope_declined / declined if declined else 1.0

    @property
    def passed(self) -> bool:
        return (
            self.in_scope_accuracy >= self.thresholds.in_scope_accuracy
            and self.out_of_scope_recall >= self.thresholds.out_of_scope_recall
        )


class Answers(Protocol):
    """What the eval asks: the engine, or something that answers as the bot would (`eval --learn`'s members)."""

    def answer(self, question: str) -> Match: ...


def unknown_cards(eval_set: EvalSet, engine: Engine) -> list[str]:
    return sorted({case.card for case in eval_set.in_scope} - set(engine.knowledge.cards))


def offered(match: Match, card_id: str) -> bool:
    """Whether a declined question still had this card among its "did you mean" suggestions."""
    return not match.answered and any(suggestion.card.id == card_id for suggestion in match.suggestions)


def run_eval(eval_set: EvalSet, engine: Answers) -> EvalReport:
    report = EvalReport(eval_set.thresholds)
    for case in eval_set.in_scope:
        match = engine.answer(case.question)
        report.in_scope_total += 1
        if match.outcome is Outcome.ANSWERED and match.card is not None and match.card.id == case.card:
            report.in_scope_correct += 1
        else:
            report.in_scope_partial += match.outcome is Outcome.PARTIAL
            report.wrongly_declined_in_scope += not match.answered
            report.offered += offered(match, case.card)
            report.misses.append((case.question, case.card, match))
    for question in eval_set.out_of_scope:
        match = engine.answer(question)
        report.out_of_scope_total += 1
        if match.outcome is Outcome.ANSWERED:
            report.misses.append((question, "decline", match))
        else:
            report.out_of_scope_declined += 1
            report.out_of_scope_partial += match.outcome is Outcome.PARTIAL
    return report


def format_report(report: EvalReport) -> str:
    t = report.thresholds
    lines = [
        f"in-scope accuracy     {report.in_scope_accuracy:7.1%}  ({report.in_scope_correct}/{report.in_scope_total}, "
        f"needs {t.in_scope_accuracy:.0%})",
        f"out-of-scope recall   {report.out_of_scope_recall:7.1%}  "
        f"({report.out_of_scope_declined}/{report.out_of_scope_total} declined, {report.out_of_scope_partial} of them "
        f"answered partially, saying what the cards lack; needs {t.out_of_scope_recall:.0%})",
        f"out-of-scope precision {report.out_of_scope_precision:6.1%}  (of all declines, how many were out of scope)",
        f"declined in-scope       {report.wrongly_declined_in_scope:5d}  ({report.offered} with their card offered as "
        '"did you mean")',
        f"partial in-scope        {report.in_scope_partial:5d}  (their card given, saying it lacks what was asked)",
    ]
    if report.misses:
        lines.append(f"\n{len(report.misses)} miss(es):")
        for question, expected, match in report.misses:
            got = match.card.id if match.card else f"declined ({match.outcome.value})"
            if match.outcome is Outcome.PARTIAL:
                got += " (partial)"
            if offered(match, expected):
                got += ", offered"
            lines.append(f"  {match.score:5.1f}  {question!r}: expected {expected}, got {got}")
    lines.append("\nPASS" if report.passed else "\nFAIL: under the thresholds kept in the eval file")
    return "\n".join(lines)
