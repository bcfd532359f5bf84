"""Cold start: wall time of a fresh `python -m bot ask` on the shipped knowledge, import and index build included."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

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
                        done = subprocess.run(
                            [sys.executable, "-m", "bot", "ask", QUESTION],
                            cwd=root,
                            env=env,
                            capture_output=True,
                            text=True,
                            timeout=TIMEOUT,
                            check=False,
                        )
                    except subprocess.TimeoutExpired:
                        return f"timed out after {TIMEOUT:.0f} s"
                    times.append(time.perf_counter() - start)
                if done.returncode != 0:
                    last = done.stderr.strip().splitlines()[-1:] or [""]
                    return f"exit {done.returncode}: {last[0]}"
            medians.append(statistics.median(times[-runs:]))
    return ColdStart(*medians)
