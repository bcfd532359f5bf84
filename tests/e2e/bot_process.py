"""`python -m bot` as a real child process: started for a test, stopped by SIGTERM, killed if a test fails early."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from tests.e2e.fake_discord.harness import FIXTURE_KNOWLEDGE, TOKEN
from tests.e2e.fake_discord.server import FakeDiscord

EXIT_SECONDS = 10.0  # a supervisor's grace period after SIGTERM
REPO = Path(__file__).resolve().parents[2]
# Settings of the caller's environment that would point the child elsewhere than the fake Discord and its folders.
FOREIGN = ("DISCORD_", "DATABASE_", "SLACK_", "SHARD_")


def discord_env(fake: FakeDiscord, data_dir: Path, guild_ids: Iterable[int], **more: str) -> dict[str, str]:
    """The environment of a bot process served by `fake`: its token and addresses, the fixture cards, `data_dir`,
    and none of the caller's chat, database or shard settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(FOREIGN)}
    env.update(
        PYTHONPATH=str(REPO),
        DISCORD_TOKEN=TOKEN,
        DISCORD_API_BASE=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        DISCORD_GUILD_IDS=",".join(map(str, guild_ids)),
        KNOWLEDGE_DIR=str(FIXTURE_KNOWLEDGE),
        DATA_DIR=str(data_dir),
    )
    return {**env, **more}


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
