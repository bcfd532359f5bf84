"""Loop lag: how long the event loop is held up while the engine answers a burst of questions and while cards reload.

The path measured is the bot's own: synthetic cards written as Markdown files (`bench.synthetic`), read by the
loader into an `EngineHolder` with an index cache, served in a running asyncio loop. Questions go through
`Answerer.ask` as every adapter calls it (25 at once, from 25 members, as mentions); a reload through
`EngineHolder.reload_off_loop` as `/faq reload` calls it, once after a card changed (a build) and once after the
change is undone (the engine read back from the index cache), while a question comes every 100 ms. Meanwhile a
ticker asks the loop to wake every millisecond: how late it wakes is the lag, what a gateway heartbeat or any other
event would wait.
`python -m bench --loop-lag` (or `python -m bench.loop_lag CARDS`) runs it alone, in a fresh process per size.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.child import ChildError, run_module

TICK = 0.001  # seconds between the ticker's wake-ups
BURST = 25
BURSTS = 20
BURST_PAUSE = 0.2  # seconds between bursts
TRICKLE = 0.1  # seconds between questions during a reload
IDLE = 1.0  # seconds of the idle loop measured first: the ticker's own floor
LAG_TARGET_MS = 20.0
TIMEOUT = 3600.0


@dataclass(frozen=True)
class Lag:
    """The loop's lag over one phase: how late the ticker woke, in milliseconds."""

    seconds: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True)
class LoopLag:
    cards: int  # cards answering, of those written
    written: int
    idle: Lag
    burst: Lag
    burst_last_reply_ms: float  # median over the bursts: from 25 questions asked at once to the last one's reply
    burst_last_reply_max_ms: float
    build: Lag  # a reload after a card changed
    cached: Lag  # a reload after the change was undone: the engine read back from the index cache
    reload_asks: int  # questions answered while the two reloads ran
    reload_ask_p99_ms: float


class Ticker:
    """Wakes every TICK on the loop and keeps how late each wake-up came."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(TICK)
            self.lags.append(time.perf_counter() - start - TICK)

    async def over(self, work: Awaitable[object]) -> Lag:
        """The lag while `work` runs."""
        first, start = len(self.lags), time.perf_counter()
        await work
        lags = np.array(self.lags[first:] or [0.0]) * 1000
        return Lag(time.perf_counter() - start, float(np.percentile(lags, 99)), float(lags.max()))


async def _serve(root: Path, cache_dir: Path, written: int) -> LoopLag:
    from bench.synthetic import workload
    from bot.answering import Answerer, Asker
    from bot.holder import EngineHolder
    from bot.policy import Via
    from bot.settings import load_settings

    settings = load_settings(_env_file=None, knowledge_dir=root, index_cache_dir=cache_dir)
    holder = EngineHolder.for_settings(settings)  # the start-up build, as the bot's, before the loop serves anything
    answerer = Answerer(holder, settings, "bench")
    queries = workload(written, BURST * BURSTS).queries
    askers = (Asker(user, "bench", "bench", Via.MENTION) for user in range(10**9))  # a new member each: no cooldown
    ticker = Ticker()
    ticker.start()
    idle = await ticker.over(asyncio.sleep(IDLE))

    last_replies = []

    async def bursts() -> None:
        for number in range(BURSTS):
            start = time.perf_counter()
            batch = queries[number * BURST : (number + 1) * BURST]
            await asyncio.gather(*(answerer.ask(query, next(askers)) for query in batch))
            last_replies.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(BURST_PAUSE)

    burst = await ticker.over(bursts())

    asks: list[float] = []

    async def reload_while_asked() -> None:
        reload = asyncio.create_task(holder.reload_off_loop())
        while not reload.done():
            start = time.perf_counter()
            await answerer.ask(queries[len(asks) % len(queries)], next(askers))
            asks.append((time.perf_counter() - start) * 1000)
            await asyncio.wait([reload], timeout=TRICKLE)
        await reload

    changed = next((root / "cards").rglob("*.md"))
    card = changed.read_text(encoding="utf-8")
    changed.write_text(card + "Changed for the benchmark.\n", encoding="utf-8")
    build = await ticker.over(reload_while_asked())
    changed.write_text(card, encoding="utf-8")
    cached = await ticker.over(reload_while_asked())
    ticker.stop()
    return LoopLag(
        cards=len(holder.engine.cards),
        written=written,
        idle=idle,
        burst=burst,
        burst_last_reply_ms=statistics.median(last_replies),
        burst_last_reply_max_ms=max(last_replies),
        build=build,
        cached=cached,
        reload_asks=len(asks),
        reload_ask_p99_ms=float(np.percentile(asks, 99)) if asks else 0.0,
    )


def measure(n_cards: int) -> LoopLag:
    from bench.synthetic import workload, write_knowledge

    with tempfile.TemporaryDirectory(prefix="faqbot-looplag-") as workdir:
        root = Path(workdir) / "knowledge"
        write_knowledge(workload(n_cards, 0).knowledge, root)
        return asyncio.run(_serve(root, Path(workdir) / "cache", n_cards))


def measure_in_subprocess(n_cards: int) -> LoopLag | str:
    """The measurement in a new interpreter, so nothing loaded before counts; or why it failed."""
    try:
        fields = run_module("bench.loop_lag", [str(n_cards)], timeout=TIMEOUT)
    except ChildError as exc:
        return str(exc)
    lags = {name: Lag(**fields.pop(name)) for name in ("idle", "burst", "build", "cached")}
    return LoopLag(**fields, **lags)


def _lag(lag: Lag) -> str:
    mark = "✓" if lag.max_ms <= LAG_TARGET_MS else "✗"
    return f"{lag.p99_ms:.1f} | {lag.max_ms:.1f} {mark} (≤ {LAG_TARGET_MS:g})"


def lines(results: list[tuple[int, LoopLag | str]]) -> list[str]:
    """The loop lag as a Markdown section, a row per size and phase."""
    out = [
        "## Event loop lag",
        "",
        "Synthetic cards written as files, loaded into the engine holder and served in a running asyncio loop; a "
        f"ticker wakes every {TICK * 1000:g} ms and the lag is how late it woke (what a gateway heartbeat would wait). "
        f"Burst: {BURSTS} times {BURST} questions asked at once through `Answerer.ask`; reload: "
        "`EngineHolder.reload_off_loop` after a card changed (build) and after the change was undone (index cache), a "
        f"question every {TRICKLE * 1000:g} ms meanwhile. `python -m bench --loop-lag`.",
        "",
        "| cards answering, of written | phase | seconds | lag p99 ms | lag max ms | |",
        "|---|---|---|---|---|---|",
    ]
    for n_cards, result in results:
        if isinstance(result, str):
            out.append(f"| {n_cards:,} | failed: {result} | | | | |")
            continue
        last = f"last reply {result.burst_last_reply_ms:.0f} ms (median), {result.burst_last_reply_max_ms:.0f} max"
        asked = f"{result.reload_asks} questions answered meanwhile, p99 {result.reload_ask_p99_ms:.0f} ms"
        for phase, lag, note in (
            ("idle", result.idle, ""),
            (f"{BURST} at once", result.burst, last),
            ("reload: build", result.build, asked),
            ("reload: index cache", result.cached, ""),
        ):
            cards = f"{result.cards:,} of {result.written:,}"
            out.append(f"| {cards} | {phase} | {lag.seconds:.2f} | {_lag(lag)} | {note} |")
    return [*out, ""]


def main() -> None:
    print(json.dumps(asdict(measure(int(sys.argv[1])))))


if __name__ == "__main__":
    main()
