"""Cold start: wall time of a fresh `python -m bot ask` on the shipped knowledge, import and index build included."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

QUESTION = "how do I get started"
TIMEOUT = 120.0


def cold_start(runs: int) -> float | str:
    """The median wall time in seconds over `runs` runs, or why the command failed."""
    root = Path(__file__).resolve().parent.parent
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bot", "ask", QUESTION],
                cwd=root,
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
    return statistics.median(times)
