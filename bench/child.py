"""A benchmark step in a fresh interpreter, so imports, caches and memory start from nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path


class ChildError(Exception):
    """The step timed out or exited with an error; the message is one line saying which."""


def run_python(args: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float) -> str:
    """What `python <args>` printed on stdout."""
    try:
        command = [sys.executable, *args]
        done = subprocess.run(command, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise ChildError(f"timed out after {timeout:.0f} s") from exc
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or [""]
        raise ChildError(f"exit {done.returncode}: {last[0]}")
    return done.stdout
