"""Holds the serving engine and swaps in a new one atomically when the cards are reloaded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot import metrics
from bot.cards import KnowledgeError, Problem, load_knowledge
from bot.engine import Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reload:
    """What a reload did: the problems it found, and whether it kept the previous cards because of them."""

    problems: list[Problem]
    refused: bool = False


class EngineHolder:
    """Adapters read `holder.engine` once per question, so no question sees half of an old and a new knowledge base.

    Unless `strict`, a card with an error is left out and every other card answers (one broken card does not take
    the bot down); `problems` lists what the serving cards were loaded with. With `strict`, or when no card at all
    loads, the cards are refused: at start with KnowledgeError, on reload by keeping the previous ones.
    """

    def __init__(
        self,
        knowledge_dir: Path,
        threshold: float | None = None,
        margin: float | None = None,
        trained_weight: float | None = None,
        cache_dir: Path | None = None,
        strict: bool = False,
    ) -> None:
        self.knowledge_dir = knowledge_dir
        self.threshold = threshold
        self.margin = margin
        self.trained_weight = trained_weight
        self.cache_dir = cache_dir
        self.strict = strict
        self.engine, self.problems = self._build()

    def _build(self) -> tuple[Engine, list[Problem]]:
        knowledge, problems = load_knowledge(self.knowledge_dir)
        errors = [problem for problem in problems if not problem.warning]
        if errors and (self.strict or not knowledge.cards):
            raise KnowledgeError(errors)
        if errors:
            _log(f"{len(errors)} problem(s) in {self.knowledge_dir}: the cards they name are left out", errors)
        engine = Engine(
            knowledge,
            threshold=self.threshold,
            margin=self.margin,
            trained_weight=self.trained_weight,
            cache_dir=self.cache_dir,
        )
        return engine, errors

    def reload(self) -> Reload:
        """Load and index the cards again. A card with an error is left out of the new cards (the problems are
        returned); when they are refused, the old cards keep answering."""
        try:
            engine, problems = self._build()
        except KnowledgeError as exc:
            metrics.observe_reload_failure()
            _log(f"reload refused: {len(exc.problems)} problem(s) in {self.knowledge_dir}", exc.problems)
            return Reload(exc.problems, refused=True)
        self.engine, self.problems = engine, problems
        log.info("reloaded %d cards from %s (%d problem(s))", len(engine.cards), self.knowledge_dir, len(problems))
        return Reload(problems)


def _log(summary: str, problems: list[Problem]) -> None:
    """A summary line, then each problem on a line of its own (`file:line: message`), also in JSON logs."""
    log.warning("%s", summary)
    for problem in problems:
        log.warning("%s", problem)
