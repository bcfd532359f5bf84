"""Build time, memory and latency of the engine on a synthetic knowledge base, one fresh process per measurement.

`python -m bench.speed CARDS QUERIES` prints one JSON object; a fresh process per size keeps the resident memory
of one size out of the next, and a cache directory the parent hands over (cold, then reused) shows what an
on-disk cache would save.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench.child import ChildError, run_module

AUTOCOMPLETE_CHOICES_MAX = 25  # Discord shows at most 25 choices
WORKER_TIMEOUT = 3600.0
WARM_UP = "how do i warm up the engine"


def status_kib(field: str) -> int:
    """A field of /proc/self/status in KiB (VmRSS: resident now; VmHWM: the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


@dataclass(frozen=True)
class Speed:
    cards: int
    queries: int
    build_seconds: float
    engine_mb: float  # resident memory the built engine added (10^6 bytes)
    peak_mb: float  # the process's peak resident memory, build included
    ask_p50_ms: float
    ask_p99_ms: float
    ask_qps: float
    autocomplete_p50_ms: float
    autocomplete_p99_ms: float


def measure(n_cards: int, n_queries: int) -> Speed:
    from bench.synthetic import workload
    from bot.engine import Engine, cache
    from bot.settings import default_cache_dir

    work = workload(n_cards, n_queries)
    gc.collect()
    before = status_kib("VmRSS")
    start = time.perf_counter()
    engine = Engine(work.knowledge, cache_dir=default_cache_dir())
    build = time.perf_counter() - start
    # The engine answers as soon as it is built, while a thread writes its index cache; the memory counted is the
    # engine's, once that write (and the bytes it holds) is done. The peak keeps the write's share.
    cache.flush()
    gc.collect()
    after = status_kib("VmRSS")

    # One question and one prefix first: what an engine loads lazily counts in the cold start, not in latency.
    engine.answer(WARM_UP)
    engine.autocomplete(WARM_UP[:4], AUTOCOMPLETE_CHOICES_MAX)
    ask = []
    for query in work.queries:
        start = time.perf_counter()
        engine.answer(query)
        ask.append(time.perf_counter() - start)
    complete = []
    for prefix in work.prefixes:
        start = time.perf_counter()
        engine.autocomplete(prefix, AUTOCOMPLETE_CHOICES_MAX)
        complete.append(time.perf_counter() - start)
    ask_ms, complete_ms = np.array(ask) * 1000, np.array(complete) * 1000
    return Speed(
        cards=n_cards,
        queries=n_queries,
        build_seconds=build,
        engine_mb=(after - before) * 1024 / 1e6,
        peak_mb=status_kib("VmHWM") * 1024 / 1e6,
        ask_p50_ms=float(np.percentile(ask_ms, 50)),
        ask_p99_ms=float(np.percentile(ask_ms, 99)),
        ask_qps=len(ask) / float(np.sum(ask)),
        autocomplete_p50_ms=float(np.percentile(complete_ms, 50)),
        autocomplete_p99_ms=float(np.percentile(complete_ms, 99)),
    )


def measure_in_subprocess(n_cards: int, n_queries: int, workdir: Path) -> Speed | str:
    """A measurement in a new interpreter started in `workdir` with its caches there; or why it failed."""
    args = [str(n_cards), str(n_queries)]
    try:
        fields = run_module(
            "bench.speed", args, timeout=WORKER_TIMEOUT, cwd=workdir, env={"XDG_CACHE_HOME": str(workdir / "cache")}
        )
    except ChildError as exc:
        return str(exc)
    return Speed(**fields)


def main() -> None:
    print(json.dumps(asdict(measure(int(sys.argv[1]), int(sys.argv[2])))))


if __name__ == "__main__":
    main()
