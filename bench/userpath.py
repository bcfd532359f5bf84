"""The user's real path: card files on disk → loader → engine (index cache empty, then present) → first answer.

`python -m bench --user-path N` writes N generated cards (`bench/synthetic.py`, 5 phrasings each) as Markdown files
with front matter, then starts a fresh interpreter on them twice: with an empty index cache (the build, with its
threshold calibration, and the cache write) and with the cache the first one wrote. Each reports the time from its
spawn to its first answer (imports, load, engine, one question), its peak resident memory at that answer and after
1,000 more questions, and their latency. `python -m bench.userpath KNOWLEDGE CACHE QUERIES SPAWNED` is one such
process. The interpreter reads the bot and its libraries from bytecode, compiled first where it is missing, as the
image and the systemd unit install them (`deploy/`): a start that compiles numpy and pydantic from source takes a
second more.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.child import ROOT, ChildError, run_module

if TYPE_CHECKING:  # imported where used: the measured process would import asyncio with it, before its clock
    from bench.reload import Change, OneCard

SIZE = 10_000  # the size `make bench` measures; 100,000 only when asked
QUERIES = 1_000
CARDS_PER_FOLDER = 1_000  # cards/0000/ … : a large knowledge folder is kept in topic folders
TIMEOUT = 3600.0
FIRST_QUESTION = "how do i reset my password"
PATH = "card files on disk → loader → engine → first answer, each start a fresh process"
# The targets: (cards, field) -> the most a figure may be.
TARGETS = {
    (10_000, "start_empty"): 1.5,
    (10_000, "start_present"): 0.5,
    (10_000, "peak_mb"): 150.0,
    (10_000, "ask_p99_ms"): 10.0,
    (100_000, "start_empty"): 15.0,
    (100_000, "start_present"): 3.0,
    (100_000, "peak_mb"): 1000.0,
}


@dataclass(frozen=True)
class Start:
    """One fresh process from card files to answers; seconds unless named otherwise."""

    start: float  # spawn to first answer: the sum of the four below and the interpreter's own start
    imports: float
    load: float  # every card file read, parsed and validated, or (none changed) the loaded cards read back
    engine: float  # the build (calibration included) or the index cache's read
    # The part of `engine` spent choosing the threshold, or waiting for the child that chose it beside the build
    # (`bot/forked.py`); 0 when read from the cache
    calibration: float
    first_answer: float
    peak_mb: float  # VmHWM after the questions, 10^6 bytes
    ask_p50_ms: float
    ask_p99_ms: float
    first_mb: float = 0.0  # VmHWM at the first answer: the questions after it make more of the mapped index resident


@dataclass(frozen=True)
class UserPath:
    cards: int
    queries: int
    empty: Start | str  # a measurement, or why it failed
    present: Start | str
    reload: OneCard | str = "not measured"  # one card file changed, added, removed while serving (`bench/reload.py`)


def write_cards(n_cards: int, root: Path) -> list[str]:
    """The workload's cards as a knowledge folder under `root`; its questions to ask."""
    from bench.synthetic import SOURCE_ID, workload  # here: the measured process imports the bot itself, timed
    from bot.cards.loader import question_key

    work = workload(n_cards, QUERIES)
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources.yaml").write_text(f"- id: {SOURCE_ID}\n  title: Synthetic cards\n", encoding="utf-8")
    taken: set[str] = set()
    for index, card in enumerate(work.knowledge.cards.values()):
        folder = root / "cards" / f"{index // CARDS_PER_FOLDER:04d}"
        if index % CARDS_PER_FOLDER == 0:
            folder.mkdir(parents=True)
        # The loader refuses a question on two cards, which the generator can draw: the later card's is made its own.
        phrasings = [
            question if question_key(question) not in taken else f"{question} {card.id}" for question in card.questions
        ]
        taken.update(map(question_key, phrasings))
        questions = "".join(f"  - {json.dumps(question)}\n" for question in phrasings)
        text = f"---\nquestions:\n{questions}source:\n  document: {SOURCE_ID}\n---\n{card.answer}\n"
        (folder / f"{card.id}.md").write_text(text, encoding="utf-8")
    return work.queries


def measure(knowledge_dir: Path, cache_dir: Path, queries: list[str], spawned: float) -> Start:
    """This process's way from the card files to its answers; `spawned` is the wall time its parent started it."""
    started = time.perf_counter()
    import numpy as np

    from bench.speed import status_kib  # here: it imports numpy, which the measured imports include
    from bot import holder
    from bot.engine import matcher

    imported = time.perf_counter()
    loading = _timed(holder, "load_cards")
    calibrating = _timed(matcher, "calibrated")  # in this process
    _waited(matcher, "beside", calibrating)  # or beside it
    serving = holder.EngineHolder(knowledge_dir, cache_dir=cache_dir)  # as the bot starts
    built = time.perf_counter()
    if serving.problems:
        raise SystemExit(f"the generated cards have problems: {serving.problems[0]}")
    engine = serving.engine
    engine.answer(FIRST_QUESTION)
    answered = time.perf_counter()
    start = time.time() - spawned
    first_kib = status_kib("VmHWM")
    ask = []
    for query in queries:
        before = time.perf_counter()
        engine.answer(query)
        ask.append(time.perf_counter() - before)
    ask_ms = np.array(ask) * 1000
    return Start(
        start=start,
        imports=imported - started,
        load=sum(loading),
        engine=built - imported - sum(loading),
        calibration=sum(calibrating),
        first_answer=answered - built,
        # The high-water mark of this process's own memory: getrusage's maxrss keeps, through exec, the peak of the
        # process it was forked from (the whole bench run, when `make bench` starts it).
        peak_mb=status_kib("VmHWM") * 1024 / 1e6,
        ask_p50_ms=float(np.percentile(ask_ms, 50)),
        ask_p99_ms=float(np.percentile(ask_ms, 99)),
        first_mb=first_kib * 1024 / 1e6,
    )


def _timed(owner: object, name: str) -> list[float]:
    """Wrap a method or function of `owner` (a class, a module) so each call's seconds are appended to the list
    returned."""
    method = getattr(owner, name)
    seconds: list[float] = []

    def wrapper(*args: object, **kwargs: object) -> object:
        before = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - before)

    setattr(owner, name, wrapper)
    return seconds


def _waited(owner: object, name: str, seconds: list[float]) -> None:
    """Wrap a function of `owner` that starts a job in a child (`bot/forked.py`) so the seconds spent waiting for its
    result are appended to `seconds` (a job left in the process is timed where it runs)."""
    from bot.forked import Forked

    start = getattr(owner, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        pending = start(*args, **kwargs)
        if isinstance(pending, Forked):
            result = pending.result

            def timed() -> object:
                before = time.perf_counter()
                try:
                    return result()
                finally:
                    seconds.append(time.perf_counter() - before)

            pending.result = timed  # type: ignore[method-assign]
        return pending

    setattr(owner, name, wrapper)


def run(n_cards: int, n_queries: int = QUERIES) -> UserPath:
    """N card files in a temporary folder, started from with an empty index cache and then with the one it wrote."""
    from bench.reload import measure_in_subprocess as reload_in_subprocess
    from bot.cards.stamps import RACY_SECONDS  # here: the measured process imports the bot itself, timed

    compiled()
    with tempfile.TemporaryDirectory(prefix="faqbot-userpath-") as workdir:
        knowledge, cache = Path(workdir, "knowledge"), Path(workdir, "cache")
        queries = write_cards(n_cards, knowledge)[:n_queries]
        Path(workdir, "queries.json").write_text(json.dumps(queries), encoding="utf-8")
        # A bot starts from cards written before it, not in the same two seconds: files that fresh are "racy"
        # (`bot/cards/stamps.py`), and the card snapshot reads and hashes each again, at both starts (10,000 files:
        # 0.3 s and 0.16 s), which no start after an ordinary edit does.
        time.sleep(RACY_SECONDS)
        starts: list[Start | str] = []
        for _ in ("empty", "present"):
            args = [str(knowledge), str(cache), str(Path(workdir, "queries.json")), repr(time.time())]
            try:
                starts.append(Start(**run_module("bench.userpath", args, timeout=TIMEOUT, cwd=Path(workdir))))
            except ChildError as exc:
                starts.append(str(exc))
        reload = reload_in_subprocess(knowledge, cache)
    return UserPath(n_cards, n_queries, *starts, reload)


def compiled() -> None:
    """The bot's and its libraries' bytecode written where it is missing or stale (a clone's virtual environment
    installed without it, and PYTHONDONTWRITEBYTECODE set, compiles them at every start)."""
    import compileall  # here: not in the measured process
    import site

    for folder in [ROOT / "bot", *map(Path, site.getsitepackages())]:
        compileall.compile_dir(folder, quiet=2, workers=0)


def _cell(value: float, target: float | None, unit: str, digits: int) -> str:
    text = f"{value:.{digits}f}{unit}"
    return text if target is None else f"{text} {'✓' if value <= target else '✗'} (≤ {target:g}{unit})"


def lines(result: UserPath) -> list[str]:
    """The section of results.md: one row each for the empty and the present index cache."""
    out = [
        "## The user's path: card files to a first answer",
        "",
        f"Path measured: {PATH}. {result.cards:,} generated cards (5 phrasings each) as Markdown files with front "
        "matter. Start: wall time from spawning the process to its first answer (interpreter, imports, loader, "
        "engine, one question), through the holder the bot serves from; loader: every card file read, parsed and "
        "validated (index cache empty; a first load of many files parses half of them in a forked child) or, no file "
        "changed, the loaded cards read back (present); engine: the build with its threshold calibration (empty; in "
        "parentheses, the calibration's own time, or the build's wait for the child choosing it beside the build) or "
        "the index cache's read (present). Peak: the process's maximum resident set (VmHWM) after the questions, "
        f"and at the first answer, MB = 10^6 bytes (a child it forked is not counted). Ask: {result.queries:,} "
        "questions after the first answer.",
        "",
        "| index cache | start s | imports s | loader s | engine s (calibration) | first ask ms | peak MB "
        "| ask p50 ms | ask p99 ms | peak at first answer MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for state, start in (("empty", result.empty), ("present", result.present)):
        if isinstance(start, str):
            out.append(f"| {state} | failed: {start} |  |  |  |  |  |  |  |  |")
            continue

        def target(field: str) -> float | None:
            return TARGETS.get((result.cards, field))

        out.append(
            f"| {state} | {_cell(start.start, target(f'start_{state}'), ' s', 2)} | {start.imports:.2f} | "
            f"{start.load:.2f} | {start.engine:.2f} ({start.calibration:.2f}) | {start.first_answer * 1000:.1f} | "
            f"{_cell(start.peak_mb, target('peak_mb'), ' MB', 0)} | {start.ask_p50_ms:.2f} | "
            f"{_cell(start.ask_p99_ms, target('ask_p99_ms'), ' ms', 2)} | {start.first_mb:.0f} |"
        )
    return [*out, "", *_reload_lines(result)]


def _reload_lines(result: UserPath) -> list[str]:
    """One card file changed, added and removed while a process serves the others."""
    from bench.reload import LIVE_TARGET

    reload = result.reload
    if isinstance(reload, str):
        return [f"One card reloaded: failed: {reload}", ""]
    target = LIVE_TARGET if result.cards == SIZE else None
    out = [
        f"One card file changed, added, then removed while a third process serves the {reload.cards:,} cards "
        "(`bench/reload.py`: started as the bot is, index cache present, in a running asyncio loop; "
        f"{reload.start_mb:.0f} MB resident after the start): seconds from the file's write to the new card answering "
        "(the removed one no longer answering) through `reload_off_loop`; whether the change was laid over the "
        "serving build (else a full build); the process's peak resident memory over it and the loop's lag "
        "meanwhile. The first reload after a start from the caches parses every card file once.",
        "",
        "| reload | write to answer | laid over the build | resident before / peak MB | loop lag p99 / max ms |",
        "|---|---|---|---|---|",
    ]
    rows: list[tuple[str, Change]] = [
        ("first after the start", reload.first),
        ("a card changed", reload.changed),
        ("a card added", reload.added),
        ("a card removed", reload.removed),
    ]
    for name, change in rows:
        live = _cell(change.seconds, None if change is reload.first else target, " s", 2)
        out.append(
            f"| {name} | {live} | {'yes' if change.updated else 'no'} | {change.rss_before_mb:.0f} / "
            f"{change.peak_mb:.0f} | {change.lag.p99_ms:.1f} / {change.lag.max_ms:.1f} |"
        )
    return [*out, ""]


def main() -> None:
    knowledge, cache, queries, spawned = sys.argv[1:5]
    asked = json.loads(Path(queries).read_text(encoding="utf-8"))
    print(json.dumps(asdict(measure(Path(knowledge), Path(cache), asked, float(spawned)))))


if __name__ == "__main__":
    main()
