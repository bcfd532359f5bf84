"""Cold start: wall time of a fresh `python -m bot ask` on the shipped knowledge, import and index build included."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.child import ChildError, run_python

QUESTION = "how do I get started"
TIMEOUT = 120.0


@dataclass(frozen=True)
class ColdStart:
    empty_cache: float  # median seconds, the index built from the cards every time
    cached: float  # median seconds, the index read back from the cache the first run wrote


def cold_start(runs: int) -> ColdStart | str:
    """Median wall times over `runs` runs with an empty index cache, then with a kept one; or why a run failed."""
    root = Path(__file__).resolve().parent.parent
    medians = []
    with tempfile.TemporaryDirectory(prefix="faqbot-coldstart-") as kept:
        for cache_dir in (None, kept):
            times = []
            for _ in range(runs + (cache_dir is not None)):  # the first run with a kept cache fills it
                with tempfile.TemporaryDirectory(prefix="faqbot-coldstart-") as empty:
                    env = {**os.environ, "INDEX_CACHE_DIR": cache_dir or empty}
                    start = time.perf_counter()
                    try:
                        run_python(["-m", "bot", "ask", QUESTION], cwd=root, env=env, timeout=TIMEOUT)
                    except ChildError as exc:
                        return str(exc)
                    times.append(time.perf_counter() - start)
            medians.append(statistics.median(times[-runs:]))
    return ColdStart(*medians)
