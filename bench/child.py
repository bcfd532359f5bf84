"""A benchmark step in a fresh interpreter, so imports, caches and memory start from nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


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


def run_module(
    module: str, args: Sequence[str], *, timeout: float, cwd: Path = ROOT, env: Mapping[str, str] | None = None
) -> Any:
    """The JSON a bench module printed last, run with the project importable and `env` added to the environment."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    printed = run_python(["-m", module, *args], cwd=cwd, env=environment, timeout=timeout)
    return json.loads(printed.strip().splitlines()[-1])
