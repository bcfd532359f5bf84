"""`python -m bot` as a real child process: started for a test, stopped by SIGTERM, killed if a test fails early."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

EXIT_SECONDS = 10.0  # a supervisor's grace period after SIGTERM


@asynccontextmanager
async def bot_process(*args: str, cwd: Path, env: Mapping[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        cwd=cwd, env=dict(env), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def terminate(process: asyncio.subprocess.Process) -> str:
    """Send SIGTERM and wait (bounded) for the exit; the process's log (stderr)."""
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(EXIT_SECONDS):
        _, stderr = await process.communicate()
    return stderr.decode()
