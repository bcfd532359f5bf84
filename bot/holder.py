"""Holds the serving engine, runs its work off the event loop, and swaps in a new one atomically on reload.

Matching is CPU work of up to tens of milliseconds (100,000 cards) and a build takes seconds: on the event loop
either would hold up every other event, Discord's gateway heartbeats included. Questions go to one worker thread,
reloads to threads of their own, so the loop only waits for the GIL (a switch interval, 5 ms) and for the few C
calls that keep it; a build makes hundreds of those, so with `child_builds` a reload's build runs in a child process
and the thread reads its result back from the caches (`build_process.py`; `python -m bench --loop-lag` measures
the loop's lag).

One thread for questions, not a pool: most of a question's work is Python that holds the GIL, so a second thread
would answer no faster on it, would make the loop wait for the GIL behind two threads instead of one, and would let
a burst run many matches (and their memory) at once; one thread also answers in the order questions came.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from bot.build_process import BuildJob, build_in_child, files_key
from bot.card_snapshot import Store, load_cards
from bot.cards import Card, KnowledgeBase, KnowledgeError, Problem
from bot.cards.loader import CardMemo
from bot.cards.stamps import ParseMemo
from bot.engine import SUGGESTION_FLOOR, Engine, Suggestion
from bot.engine.build_memory import release_free_memory
from bot.engine.built import auto_trained_weight
from bot.engine.cache import in_background
from bot.engine.calibration import Calibration
from bot.engine.update import Base, updated
from bot.in_flight import Deferred, InFlight
from bot.learn.learned import Learned
from bot.release import release

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


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
        learned: Learned | None = None,
        child_builds: bool = False,
        calibrated: tuple[str, Calibration] | None = None,
    ) -> None:
        self.knowledge_dir = knowledge_dir
        self.threshold = threshold
        self.margin = margin
        self.trained_weight = trained_weight
        self.cache_dir = cache_dir
        self.strict = strict
        self.learned = learned or Learned()  # what members taught: applied to the cards at each build (`learn`)
        # A reload builds in a child process that fills the caches, then reads them here (`build_process.py`)
        self.child_builds = child_builds
        self._files: KnowledgeBase | None = None  # the serving engine's cards as their files have them, untaught
        self._calibrated = calibrated  # a decision handed over with `files_key` of the files it was chosen on
        self._parsed: CardMemo = ParseMemo()  # a reload parses only the card files changed since the last load
        self._base: Base | None = None  # the last full build, which a reload of a few changed cards updates
        # The questions being answered: what a reload leaves to do waits for a quiet moment (`in_flight.py`)
        self.in_flight = InFlight()
        self._deferred: Deferred | None = None  # the last load's card snapshot entry, while it waits to be stored
        self.engine, self.problems = self._build(None, self._loaded())
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine")  # its thread starts on first use
        self._reloading = threading.Lock()
        # Told of every reload this process starts (from the thread that ran it), refused or not: the other processes
        # of a scaled-out bot reload on hearing of it (`bot/shared_reloads.py`)
        self.on_reload: Callable[[Reload], None] | None = None

    @classmethod
    def for_settings(cls, settings: Settings, learned: Learned | None = None) -> EngineHolder:
        """The holder the bot serves from, as the settings say (with what members taught, when it is known)."""
        return cls(
            settings.knowledge_dir,
            settings.match_threshold,
            settings.match_margin,
            settings.match_trained_weight,
            cache_dir=settings.index_cache_dir,
            strict=settings.strict_cards,
            learned=learned,
            child_builds=True,
        )

    @property
    def knowledge(self) -> KnowledgeBase:
        """The serving cards and the sources they cite, for callers that show cards rather than match questions."""
        return self.engine.knowledge

    @property
    def cards(self) -> list[Card]:
        """The serving cards, in the order they loaded."""
        return self.engine.cards

    def closest(self, question: str) -> Suggestion | None:
        """The card that comes closest to a question, when close enough to be offered as a "did you mean". Blocking:
        a caller on the event loop awaits it through `run`."""
        ranked = self.engine.rank(question, limit=1)
        return ranked[0] if ranked and ranked[0].score >= SUGGESTION_FLOOR else None

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`function(*args)` on the engine's worker thread, awaited: the loop serves other events meanwhile. Pass a
        bound method of the engine the caller read once (`engine.answer`), so one question sees one engine."""
        import asyncio  # here: asyncio (and ssl with it, 6 MB) serves a running bot, not a start to a first answer

        loop = asyncio.get_running_loop()
        self.in_flight.begin()
        try:
            return await loop.run_in_executor(self._worker, functools.partial(function, *args, **kwargs))
        finally:
            self.in_flight.end()

    async def reload_off_loop(self, announce: bool = True) -> Reload:
        """`reload()` in a thread of its own, awaited: questions keep being answered by the old engine meanwhile."""
        import asyncio

        return await asyncio.to_thread(self.reload, announce)

    def _loaded(self, later: list[Store] | None = None) -> tuple[KnowledgeBase, KnowledgeBase, list[Problem]]:
        """The cards as their files have them, the same with what members taught, and the errors that left cards out;
        KnowledgeError when the cards are refused (`strict`, or no card loads). `later`: as `load_cards` takes it."""
        with _uncollected():
            knowledge, problems = load_cards(self.knowledge_dir, self.cache_dir, self._parsed, later)
            errors = [problem for problem in problems if not problem.warning]
            if errors and (self.strict or not knowledge.cards):
                raise KnowledgeError(errors)
            if errors:
                _log(f"{len(errors)} problem(s) in {self.knowledge_dir}: the cards they name are left out", errors)
            return knowledge, self.learned.applied(knowledge), errors

    def _build(
        self, serving: Engine | None, loaded: tuple[KnowledgeBase, KnowledgeBase, list[Problem]]
    ) -> tuple[Engine, list[Problem]]:
        """The loaded cards' engine built (or read back from the index cache)."""
        knowledge, taught, errors = loaded
        with _uncollected():
            # The decision is chosen on the files' own phrasings, which learned ones never move: when only what members
            # taught changed, the serving engine's is kept rather than chosen again.
            calibration = None
            if serving is not None and self._files is not None and _same(self._files, knowledge):
                calibration = serving.calibration
            elif self._calibrated is not None and self._calibrated[0] == files_key(knowledge):
                calibration = self._calibrated[1]
            engine = Engine(
                taught,
                threshold=self.threshold,
                margin=self.margin,
                trained_weight=self.trained_weight,
                cache_dir=self.cache_dir,
                calibration=calibration,
            )
            self._files = knowledge
            self._base = Base.of(engine.index, engine.cards)
        return engine, errors

    def _kept_or_updated(
        self, serving: Engine, loaded: tuple[KnowledgeBase, KnowledgeBase, list[Problem]]
    ) -> Engine | None:
        """The serving engine when the cards are the same, in the same order (a build from them would be the same
        engine, read back from the index cache at the cost of a pause of the event loop: `/faq reload` with nothing
        changed, or a file saved unchanged); an engine on the last full build with the few cards changed since laid
        over it (`engine/update.py`); None when the cards need a full build."""
        knowledge, taught, _ = loaded
        if _same(serving.knowledge, taught):
            return serving
        if self._base is None:
            return None
        with _uncollected():
            cards = list(taught.cards.values())
            weight = self.trained_weight if self.trained_weight is not None else auto_trained_weight(cards)
            index = updated(self._base, cards, weight)
            if index is None:
                return None
            self._files = knowledge
            return Engine.on_index(taught, index, self.threshold, self.margin)

    async def learn(self, learned: Learned) -> bool:
        """Serve with what members taught: a voted-down card stops answering its question at once; a change to the
        live phrasings builds the engine again, off the loop, the old one answering meanwhile. Whether it changed."""
        if learned == self.learned:
            return False
        rebuild = learned.phrasings != self.learned.phrasings
        self.learned = learned
        if rebuild:  # every process follows the store's live list itself: nothing to announce to the others
            await self.reload_off_loop(announce=False)
        return True

    def reload(self, announce: bool = True) -> Reload:
        """Load and index the cards again. A card with an error is left out of the new cards (the problems are
        returned); when they are refused, the old cards keep answering. `on_reload` hears of it when `announce` (not
        for a reload that another process announced: that would echo back and forth).

        Blocking: call it from a thread (`reload_off_loop`, the card watcher's). One reload at a time: a `/faq reload`
        during the watcher's would otherwise build twice at once (twice the memory) and could swap the older cards
        in last.
        """
        result = self._reload()
        if announce and self.on_reload is not None:
            self.on_reload(result)
        return result

    def _reload(self) -> Reload:
        # The card snapshot's entry of this load is stored once the new cards serve and the questions let it, on a
        # thread of its own; here when they are refused, and before a full build, which reads it back (in the child
        # process too) and takes over its key.
        later: list[Store] = []
        with self._reloading:
            if self._deferred is not None:  # the last load's entry, not stored yet, is of files this load reads again
                self._deferred.drop()
            try:
                loaded = self._loaded(later)
            except KnowledgeError as exc:
                from bot import metrics  # here: prometheus_client (14 MB) serves a running bot, not `faqbot ask`

                _stored(later, keyed=False)
                metrics.observe_reload_failure()
                _log(f"reload refused: {len(exc.problems)} problem(s) in {self.knowledge_dir}", exc.problems)
                return Reload(exc.problems, refused=True)
            engine = self._kept_or_updated(self.engine, loaded)
            problems = loaded[2]
            dropped: list[object] = [self.engine]
            if engine is None:
                _stored(later, keyed=True)
                if self.child_builds and self.cache_dir is not None:
                    self._build_in_child(self.cache_dir)
                if self._base is not None:  # the full build updates were laid over, shared with the old engine
                    dropped.append(self._base)
                engine, problems = self._build(self.engine, loaded)
            self.engine, self.problems = engine, problems
            if later:  # off this reload: the new cards serve now, and a load or build waits for it (`cache.flush`)
                self._deferred = Deferred([functools.partial(step, False) for step in later], self.in_flight)
                in_background(functools.partial(_in_background, self._deferred), "card-snapshot-writer")
        if dropped[0] is not engine:
            while dropped:  # each freed a piece at a time: freed whole, it would hold the GIL (`release.py`)
                args = ([dropped.pop()], self.in_flight)
                threading.Thread(target=release, args=args, name="engine-release", daemon=True).start()
        log.info("reloaded %d cards from %s (%d problem(s))", len(engine.cards), self.knowledge_dir, len(problems))
        return Reload(problems)

    def _build_in_child(self, cache_dir: Path) -> None:
        """The cards loaded and their index built in a child process, into the caches `_build` then reads."""
        job = BuildJob(
            self.knowledge_dir,
            cache_dir,
            self.threshold,
            self.margin,
            self.trained_weight,
            self.strict,
            self.learned,
            _calibrated(self.engine, self._files, self.learned),
        )
        failure = build_in_child(job)
        if failure is not None:
            log.warning("the build process failed (%s): building in the serving process", failure)


@contextlib.contextmanager
def _uncollected() -> Iterator[None]:
    """No automatic garbage collection while cards load and an engine is built, and what is alive then frozen out of
    every later collection.

    A full collection looks at every object not frozen and keeps the GIL while it does: the engine's millions of
    objects took the event loop away for hundreds of milliseconds at 10,000 cards, whichever thread set it off, and
    a build or an engine read back from the index cache makes enough objects to set it off. Frozen (`gc.freeze`,
    which costs nothing), an engine is still freed by reference counting when a reload drops it; only the reference
    cycles left from its making stay (some hundred objects a reload, 3,000 cards).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _in_background(deferred: Deferred) -> None:
    """The card snapshot's entry stored once the questions let it, and the memory its pickling took handed back."""
    deferred.in_background()
    release_free_memory()


def _stored(later: list[Store], keyed: bool) -> None:
    """The entries of `later` stored here and now."""
    while later:
        later.pop(0)(keyed)


def _calibrated(engine: Engine, files: KnowledgeBase | None, learned: Learned) -> tuple[str, Calibration] | None:
    """The engine's chosen decision, with the key of the files it was chosen on, for a build elsewhere to keep.

    Only where members taught phrasings, now or in the serving engine: without them, a build on the same files
    reads the serving engine's index back from the cache, and the key's Python work (a sixth of a second at 10,000
    cards) would only compete with the event loop for the GIL."""
    taught = bool(learned.phrasings) or engine.knowledge is not files
    if engine.calibration is None or files is None or not taught:
        return None
    return files_key(files), engine.calibration


def _same(first: KnowledgeBase, second: KnowledgeBase) -> bool:
    """The same cards in the same order: the calibration's folds depend on the order too."""
    return first == second and list(first.cards) == list(second.cards)


def _log(summary: str, problems: list[Problem]) -> None:
    """A summary line, then each problem on a line of its own (`file:line: message`), also in JSON logs."""
    log.warning("%s", summary)
    for problem in problems:
        log.warning("%s", problem)
