"""`python -m bot run` serving Slack as a real process: clean exit on SIGTERM, clear lines for bad settings."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_KNOWLEDGE
from tests.e2e.bot_process import bot_process, terminate
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import APP_TOKEN, BOT_TOKEN, fake_slack

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30.0  # a cold interpreter importing everything on a busy machine


def bot_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLACK_", "DISCORD_"))}
    env |= {"KNOWLEDGE_DIR": str(FIXTURE_KNOWLEDGE), "DATA_DIR": str(tmp_path / "data"), "HTTP_PORT": ""}
    env["PYTHONPATH"] = str(ROOT)  # run this checkout, from a directory with no .env
    return env | values


async def test_sigterm_closes_the_socket_and_exits_0_with_no_token_in_debug_logs(tmp_path: Path) -> None:
    async with fake_slack() as fake:
        env = bot_env(
            tmp_path,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_API_URL=fake.api_url,
            LOG_LEVEL="DEBUG",
        )
        async with bot_process("run", "--platform", "slack", cwd=tmp_path, env=env) as process:
            await fake.wait_until(lambda: fake.sockets or process.returncode is not None, timeout=START_SECONDS)
            await fake.envelope("slash_commands", payloads.slash("How do I get a role?", fake.response_url("r1")))
            await fake.wait_for("response_url")
            logs = await terminate(process)
        socket_closed = fake.sockets[0].ws.closed
    assert process.returncode == 0, logs[-2000:]
    assert socket_closed
    assert "Sending a request" in logs  # slack_sdk's DEBUG request lines were on, and redacted
    assert BOT_TOKEN not in logs
    assert APP_TOKEN not in logs
    assert "fakeBotTokenValue" not in logs
    assert "fakeAppTokenValue" not in logs


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"SLACK_BOT_TOKEN": "xapp-not-a-bot-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_APP_TOKEN": "xoxb-1-2-abc"}, "SLACK_APP_TOKEN"),
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1-2-abc"}, "SLACK_APP_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "s3cret"}, "HTTP_PORT"),
    ],
)
async def test_missing_or_malformed_slack_settings_fail_with_one_line(
    tmp_path: Path, values: dict[str, str], named: str
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--platform", "slack",
        cwd=tmp_path, env=bot_env(tmp_path, **values), stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    async with asyncio.timeout(START_SECONDS):
        _, stderr = await process.communicate()
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert len(lines) == 1
    assert named in lines[0]
    assert "abc" not in lines[0]
