"""`faqbot run` as a process against a fake Discord: health, metrics, `faqbot health` and a clean SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.cards import load_knowledge_strict
from tests.conftest import FIXTURE_KNOWLEDGE
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import CALLBACK, TOKEN
from tests.e2e.fake_discord.server import FakeDiscord

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 30.0
STOP_SECONDS = 10.0


@dataclass
class Running:
    fake: FakeDiscord
    process: asyncio.subprocess.Process
    env: dict[str, str]
    base: str


async def fetch(url: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.get(url) as response,
    ):
        return response.status, await response.text()


async def wait_healthy(running: Running) -> dict:
    """Poll /healthz (every 0.1 s, for at most START_SECONDS) until it says 200."""
    deadline = time.monotonic() + START_SECONDS
    last = "no answer yet"
    while time.monotonic() < deadline:
        if running.process.returncode is not None:
            raise AssertionError(f"the bot exited with {running.process.returncode} before it was healthy")
        try:
            status, body = await fetch(f"{running.base}/healthz")
        except aiohttp.ClientError as exc:
            last = repr(exc)
        else:
            if status == 200:
                return json.loads(body)
            last = body
        await asyncio.sleep(0.1)
    raise AssertionError(f"/healthz not 200 within {START_SECONDS} s: {last}")


def damaged_sqlite(tmp_path: Path, closed_port: int) -> dict[str, str]:
    path = tmp_path / "damaged.sqlite3"
    path.write_bytes(b"this is not a database\n" * 200)
    return {"DATABASE_URL": f"sqlite:///{path}"}


def postgresql_down(tmp_path: Path, closed_port: int) -> dict[str, str]:
    return {"DATABASE_URL": f"postgresql://faqbot@127.0.0.1:{closed_port}/faqbot"}


@pytest.fixture
async def running(
    tmp_path: Path, unused_tcp_port_factory: Callable[[], int], request: pytest.FixtureRequest
) -> AsyncIterator[Running]:
    """The bot as a process; a test parametrized (indirectly) with a function of (tmp_path, a closed port) gets the
    settings it returns on top, for a store that cannot open."""
    unused_tcp_port = unused_tcp_port_factory()
    fake = FakeDiscord(TOKEN)
    await fake.start()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "DISCORD_GUILD_IDS": str(payloads.GUILD_ID),
        "KNOWLEDGE_DIR": str(FIXTURE_KNOWLEDGE),
        "DATA_DIR": str(tmp_path / "data"),
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(unused_tcp_port),
        "LOG_FORMAT": "json",
    }
    if store_fault := getattr(request, "param", None):
        env.update(store_fault(tmp_path, unused_tcp_port_factory()))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield Running(fake, process, env, f"http://127.0.0.1:{unused_tcp_port}")
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()


def metric_values(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_health_metrics_and_clean_stop(running: Running) -> None:
    detail = await wait_healthy(running)
    cards = len(load_knowledge_strict(FIXTURE_KNOWLEDGE).cards)
    assert detail["knowledge"] == {"ok": True, "cards": cards, "problems": 0}
    assert detail["cards"] == "ok"
    assert detail["connections"]["discord"]["ok"] is True

    # `faqbot health`, as the container's HEALTHCHECK runs it, with the bot's own settings.
    check = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "health", env=running.env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(check.communicate(), STOP_SECONDS)
    assert check.returncode == 0
    assert json.loads(out)["status"] == "ok"

    # One question through the real gateway and REST path, then the counters.
    card = next(iter(load_knowledge_strict(FIXTURE_KNOWLEDGE).cards.values()))
    interaction_id = running.fake.new_id()
    ask = payloads.slash("ask", [payloads.string_option("question", card.title)])
    await running.fake.dispatch("INTERACTION_CREATE", payloads.interaction(interaction_id, 2, ask, payloads.user()))
    await running.fake.wait_for_request("POST", CALLBACK.format(id=interaction_id))

    async def questions_counted() -> dict:
        for _ in range(50):  # the counter is updated right after the callback: allow it a moment
            values = metric_values((await fetch(f"{running.base}/metrics"))[1])
            if values.get(("faqbot_questions_total", frozenset({("platform", "discord"), ("outcome", "answered")}))):
                return values
            await asyncio.sleep(0.1)
        raise AssertionError("the answered question was not counted")

    values = await questions_counted()
    assert values[("faqbot_answer_seconds_count", frozenset({("platform", "discord")}))] == 1
    assert values[("faqbot_cards_loaded", frozenset())] == cards
    assert values[("faqbot_connected", frozenset({("platform", "discord")}))] == 1
    assert ("faqbot_store_queue_depth", frozenset()) in values
    assert values[("faqbot_reload_failures_total", frozenset())] == 0

    # SIGTERM: the bot closes its connections and exits 0, and the health server goes with it.
    running.process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    _, stderr = await asyncio.wait_for(running.process.communicate(), STOP_SECONDS)
    assert running.process.returncode == 0, stderr.decode()[-2000:]
    assert time.monotonic() - started < STOP_SECONDS
    with pytest.raises(aiohttp.ClientConnectionError):
        await fetch(f"{running.base}/healthz")
    logs = [json.loads(line) for line in stderr.decode().splitlines()]  # LOG_FORMAT=json: every line is JSON
    assert any(entry["logger"] == "bot.health" for entry in logs)
    assert TOKEN not in stderr.decode()


@pytest.mark.parametrize("running", [damaged_sqlite, postgresql_down], indirect=True)
async def test_a_store_that_cannot_open_leaves_the_bot_answering_and_able_to_stop(running: Running) -> None:
    """Once a hang (a damaged file kept aiosqlite's thread alive) or exit 1 (PostgreSQL down) at start."""
    detail = await wait_healthy(running)
    assert detail["store"] == "degraded"

    card = next(iter(load_knowledge_strict(FIXTURE_KNOWLEDGE).cards.values()))
    interaction_id = running.fake.new_id()
    ask = payloads.slash("ask", [payloads.string_option("question", card.title)])
    await running.fake.dispatch("INTERACTION_CREATE", payloads.interaction(interaction_id, 2, ask, payloads.user()))
    callback = await running.fake.wait_for_request("POST", CALLBACK.format(id=interaction_id))
    assert card.answer.split()[0] in json.dumps(callback.body)

    running.process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(running.process.communicate(), STOP_SECONDS)
    assert running.process.returncode == 0, stderr.decode()[-2000:]
    messages = [json.loads(line)["message"] for line in stderr.decode().splitlines()]
    assert len([message for message in messages if message.startswith("store degraded")]) == 1
