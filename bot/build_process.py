"""A reload's build run in a child process, which leaves the index in the index cache for the serving process to read.

A build in a thread of the serving process still takes the event loop away: its long C calls (numpy passes over
millions of entries, sorts, dict builds) and the garbage collector's passes keep the GIL for tens of milliseconds at
10,000 cards and hundreds at 100,000 (`python -m bench --loop-lag`, bench/results.md). In a child they hold the
child's GIL; the serving process then loads the cards and reads the index back from the caches the child filled,
which returns the GIL far more often.

The child is started from a fork server that has the engine imported (never by forking the serving process, whose
threads and sockets a fork would copy half-way), is always joined, and is killed if waiting for it fails. What it
reports is a line for the log, or None: the serving process does its own load and build after it either way, so a
refused set of cards is refused there (and logged there, once) and a child that could not build costs only the
lag of a build in the thread, never a wrong or missing engine.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cards import KnowledgeBase, KnowledgeError
from bot.engine.calibration import Calibration
from bot.engine.index_key import cards_key
from bot.learn.learned import Learned

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkServerContext, SpawnContext

log = logging.getLogger(__name__)

NICENESS = 10  # the child's lower CPU priority: on a machine of few cores the serving process's loop comes first
# A build that reports nothing in this long is taken for hung: killed, and the serving process builds in its thread. A
# build of 100,000 cards takes one to two minutes on two busy cores.
TIMEOUT = 900.0
PRELOADED = ["bot.holder"]  # imported once by the fork server, so each child starts without importing the engine


@dataclass(frozen=True)
class BuildJob:
    """What the child needs to load the cards and build their engine as the serving holder would."""

    knowledge_dir: Path
    cache_dir: Path
    threshold: float | None
    margin: float | None
    trained_weight: float | None
    strict: bool
    learned: Learned
    # The serving engine's threshold and margin, and `files_key` of the cards they were chosen on: the child keeps
    # them when it loads the same files (only what members taught changed), as the holder would, rather than choosing
    # them again.
    calibrated: tuple[str, Calibration] | None = None


def files_key(knowledge: KnowledgeBase) -> str:
    """A digest of what a calibration is chosen from: the cards' fields in their order, and the sources."""
    digest = hashlib.blake2b(cards_key(list(knowledge.cards.values())), digest_size=16)
    digest.update(repr(sorted(knowledge.sources.items())).encode())
    return digest.hexdigest()


def build_in_child(job: BuildJob, timeout: float = TIMEOUT) -> str | None:
    """Run `job` in a child process and wait for it, `timeout` seconds at most; None when it built (or refused the
    cards), else what failed."""
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(job, sender), name="faqbot-build", daemon=True)
    try:
        process.start()
    except OSError as exc:
        receiver.close()
        sender.close()
        return f"no build process could be started ({exc})"
    sender.close()  # the child holds the only writing end: its exit, however it comes, ends the wait below
    try:
        if not receiver.poll(timeout):
            return f"the build process reported nothing in {timeout:g} s: stopped"  # and killed below
        try:
            failure: str | None = receiver.recv()
        except EOFError:  # it died before it could say
            failure = "it ended without a report"
        process.join()
        if process.exitcode != 0:
            return f"the build process exited with code {process.exitcode}: {failure}"
        return failure
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
            process.join()
        process.close()


def _context() -> ForkServerContext | SpawnContext:
    """A fork server where the platform has one, else a fresh interpreter per build. Imported here: a start with
    the caches filled builds nothing."""
    import multiprocessing

    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOADED)
        return context
    return multiprocessing.get_context("spawn")


def _child(job: BuildJob, sender: Connection) -> None:
    """In the child: load and build through the caches, then report. The serving process logs the cards' problems
    itself (it loads them again), so the child says nothing of them."""
    from bot.engine import cache
    from bot.holder import EngineHolder  # here: the holder runs this module

    logging.disable(logging.CRITICAL)
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    failure = None
    try:
        EngineHolder(
            job.knowledge_dir,
            job.threshold,
            job.margin,
            job.trained_weight,
            cache_dir=job.cache_dir,
            strict=job.strict,
            learned=job.learned,
            calibrated=job.calibrated,
        )
    except KnowledgeError:
        pass  # refused: the serving process finds the same problems in its own load, and refuses and logs them
    except BaseException as exc:  # anything else is reported; the serving process then builds in its thread
        failure = f"{type(exc).__name__}: {exc}"
    cache.flush()  # the entries are on disk before the serving process looks for them
    sender.send(failure)
    sender.close()
