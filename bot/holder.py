"""Holds the serving engine and swaps in a new one atomically when the cards are reloaded."""

from __future__ import annotations

import logging
from pathlib import Path

from bot import metrics
from bot.cards import KnowledgeError, Problem, load_knowledge
from bot.engine import Engine

log = logging.getLogger(__name__)


class EngineHolder:
    """Adapters read `holder.engine` once per question, so no question sees half of an old and a new knowledge base."""

    def __init__(
        self,
        knowledge_dir: Path,
        threshold: float | None = None,
        margin: float | None = None,
        trained_weight: float | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.knowledge_dir = knowledge_dir
        self.threshold = threshold
        self.margin = margin
        self.trained_weight = trained_weight
        self.cache_dir = cache_dir
        self.engine = self._build()

    def _build(self) -> Engine:
        knowledge, problems = load_knowledge(self.knowledge_dir)
        errors = [problem for problem in problems if not problem.warning]
        if errors:
            raise KnowledgeError(errors)
        return Engine(
            knowledge,
            threshold=self.threshold,
            margin=self.margin,
            trained_weight=self.trained_weight,
            cache_dir=self.cache_dir,
        )

    def reload(self) -> list[Problem]:
        """Load and index the cards again; on any error keep serving the old ones and return the problems."""
        try:
            engine = self._build()
        except KnowledgeError as exc:
            metrics.observe_reload_failure()
            log.warning("reload refused: %d problem(s) in %s", len(exc.problems), self.knowledge_dir)
            return exc.problems
        self.engine = engine
        log.info("reloaded %d cards from %s", len(engine.cards), self.knowledge_dir)
        return []
