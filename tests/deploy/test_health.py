"""The health and metrics endpoints, against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.engine import Outcome
from bot.guard import Cooldown, check_length
from bot.health import Connection, HealthServer, serve
from bot.holder import EngineHolder
from bot.probe import probe
from bot.settings import Settings
from tests.conftest import FIXTURE_KNOWLEDGE


class Link:
    """A chat connection whose state the test flips."""

    def __init__(self) -> None:
        self.up = True
        self.seconds: float | None = 0.042

    def connection(self, platform: str = "discord") -> Connection:
        return Connection(platform, lambda: self.up, lambda: self.seconds)


class Ledger:
    """A store whose state the test flips."""

    def __init__(self) -> None:
        self.state = "ok"
        self.pending = 7


@pytest.fixture(scope="module")
def holder() -> EngineHolder:
    return EngineHolder(FIXTURE_KNOWLEDGE, threshold=55.0, margin=6.0)


@pytest.fixture
def link() -> Link:
    return Link()


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()


@pytest.fixture
async def server(holder: EngineHolder, link: Link, ledger: Ledger) -> AsyncIterator[HealthServer]:
    server = HealthServer(holder, [link.connection()], host="127.0.0.1", port=0, store=ledger)
    await server.start()
    yield server
    await server.close()


async def get(server: HealthServer, path: str) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.get(f"http://127.0.0.1:{server.port}{path}") as response,
    ):
        return response.status, response.headers["Content-Type"], await response.text()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_healthy_when_connected_and_cards_loaded(server: HealthServer, holder: EngineHolder) -> None:
    status, content_type, body = await get(server, "/healthz")
    assert status == 200
    assert content_type.startswith("application/json")
    detail = json.loads(body)
    assert detail["status"] == "ok"
    assert detail["knowledge"] == {"ok": True, "cards": len(holder.engine.cards), "problems": 0}
    assert detail["cards"] == "ok"
    assert detail["connections"]["discord"] == {"ok": True, "latency_seconds": 0.042}
    assert detail["store"] == "ok"


async def test_a_degraded_store_is_reported_and_the_bot_stays_healthy(server: HealthServer, ledger: Ledger) -> None:
    """The store serves reports, not answers: while it cannot write, questions are still answered."""
    ledger.state = "degraded"
    status, _, body = await get(server, "/healthz")
    assert status == 200
    assert json.loads(body)["store"] == "degraded"
    assert samples((await get(server, "/metrics"))[2])[("faqbot_store_ok", ())] == 0
    ledger.state = "ok"
    assert samples((await get(server, "/metrics"))[2])[("faqbot_store_ok", ())] == 1


async def test_cards_left_out_for_their_errors_are_degraded_not_down(tmp_path: Path, link: Link) -> None:
    cards = Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))
    (cards / "cards" / "broken.md").write_text("---\nid: [unclosed\n---\n", encoding="utf-8")
    holder = EngineHolder(cards, threshold=55.0, margin=6.0)
    server = HealthServer(holder, [link.connection()], port=0)
    await server.start()
    try:
        status, _, body = await get(server, "/healthz")
    finally:
        await server.close()
    detail = json.loads(body)
    assert status == 200  # every other card answers
    assert detail["cards"] == "degraded"
    assert detail["knowledge"] == {"ok": True, "cards": len(holder.engine.cards), "problems": 1}
    assert detail["status"] == "ok"


async def test_unavailable_while_disconnected_then_recovers(server: HealthServer, link: Link) -> None:
    link.up = False
    status, _, body = await get(server, "/healthz")
    assert status == 503
    assert json.loads(body)["connections"]["discord"]["ok"] is False
    link.up = True
    assert (await get(server, "/healthz"))[0] == 200


async def test_unknown_latency_is_null(server: HealthServer, link: Link) -> None:
    link.seconds = float("nan")  # discord.py's latency before the first heartbeat
    _, _, body = await get(server, "/healthz")
    assert json.loads(body)["connections"]["discord"]["latency_seconds"] is None


async def test_unavailable_without_cards(link: Link) -> None:
    empty = SimpleNamespace(cards=[], problems=[])
    server = HealthServer(empty, [link.connection()], port=0)  # type: ignore[arg-type]
    await server.start()
    try:
        status, _, body = await get(server, "/healthz")
    finally:
        await server.close()
    assert status == 503
    assert json.loads(body)["knowledge"] == {"ok": False, "cards": 0, "problems": 0}


async def test_unavailable_without_any_connection(holder: EngineHolder) -> None:
    server = HealthServer(holder, [], port=0)
    await server.start()
    try:
        status, _, body = await get(server, "/healthz")
    finally:
        await server.close()
    assert status == 503
    assert json.loads(body)["status"] == "unavailable"


async def test_a_failing_probe_reports_disconnected(holder: EngineHolder) -> None:
    def broken() -> bool:
        raise RuntimeError("client gone")

    server = HealthServer(holder, [Connection("slack", broken)], port=0)
    await server.start()
    try:
        status, _, body = await get(server, "/healthz")
    finally:
        await server.close()
    assert status == 503
    assert json.loads(body)["connections"]["slack"] == {"ok": False, "latency_seconds": None}


async def test_every_connection_must_be_up(holder: EngineHolder, link: Link) -> None:
    other = Link()
    other.up = False
    server = HealthServer(holder, [link.connection("discord"), other.connection("slack")], port=0)
    await server.start()
    try:
        status, _, body = await get(server, "/healthz")
    finally:
        await server.close()
    assert status == 503
    connections = json.loads(body)["connections"]
    assert connections["discord"]["ok"] is True
    assert connections["slack"]["ok"] is False


async def test_metrics_in_prometheus_format(server: HealthServer, holder: EngineHolder, link: Link) -> None:
    before = samples((await get(server, "/metrics"))[2])
    metrics.observe_answer("discord", "answered", 0.03)
    metrics.observe_answer("discord", "low_score", 0.2)
    metrics.observe_reload_failure()
    link.seconds = 0.125

    status, content_type, text = await get(server, "/metrics")
    assert status == 200
    assert content_type.startswith("text/plain")
    after = samples(text)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after[key] - before.get(key, 0.0)

    assert delta("faqbot_questions_total", platform="discord", outcome="answered") == 1
    assert delta("faqbot_questions_total", platform="discord", outcome="low_score") == 1
    assert delta("faqbot_answer_seconds_count", platform="discord") == 2
    assert delta("faqbot_answer_seconds_bucket", platform="discord", le="0.05") == 1
    assert delta("faqbot_answer_seconds_bucket", platform="discord", le="0.25") == 2
    assert delta("faqbot_reload_failures_total") == 1
    assert after[("faqbot_gateway_latency_seconds", (("platform", "discord"),))] == 0.125
    assert after[("faqbot_connected", (("platform", "discord"),))] == 1
    assert after[("faqbot_cards_loaded", ())] == len(holder.engine.cards)
    assert after[("faqbot_store_queue_depth", ())] == 7


def test_an_unknown_outcome_is_counted_as_other(caplog: pytest.LogCaptureFixture) -> None:
    """Label values stay a closed set, and a metrics call never breaks the answering path."""

    def count(outcome: str) -> float:
        labels = {"platform": "slack", "outcome": outcome}
        return metrics.REGISTRY.get_sample_value("faqbot_questions_total", labels) or 0.0

    before = count("other")
    metrics.observe_answer("slack", "fine", 0.1)
    assert count("other") == before + 1
    assert count("fine") == 0.0
    assert "unknown outcome 'fine'" in caplog.text


async def test_probe_reads_the_status(server: HealthServer, link: Link) -> None:
    """`faqbot health` (the container's HEALTHCHECK) uses this blocking client."""
    healthy, body = await asyncio.to_thread(probe, "0.0.0.0", server.port)
    assert healthy
    assert json.loads(body)["status"] == "ok"
    link.up = False
    healthy, body = await asyncio.to_thread(probe, "127.0.0.1", server.port)
    assert not healthy
    assert json.loads(body)["status"] == "unavailable"


async def test_probe_without_a_server(unused_tcp_port: int) -> None:
    healthy, message = await asyncio.to_thread(probe, "127.0.0.1", unused_tcp_port, 2.0)
    assert not healthy
    assert message.startswith("no answer from http://127.0.0.1:")


async def test_serve_only_with_a_port(holder: EngineHolder, link: Link, unused_tcp_port: int) -> None:
    async with serve(Settings(_env_file=None, http_port=None), holder, [link.connection()]) as server:
        assert server is None
    settings = Settings(_env_file=None, http_port=unused_tcp_port, http_host="127.0.0.1")
    async with serve(settings, holder, [link.connection()]) as server:
        assert server is not None
        assert (await get(server, "/healthz"))[0] == 200
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(server, "/healthz")


def test_a_refused_reload_is_counted(tmp_path: Path) -> None:
    cards = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, cards)
    holder = EngineHolder(cards, threshold=55.0, margin=6.0, strict=True)
    before = metrics.REGISTRY.get_sample_value("faqbot_reload_failures_total")
    broken = next((cards / "cards").rglob("*.md"))
    broken.write_text("---\nid: [unclosed\n---\n", encoding="utf-8")
    assert holder.reload().refused
    assert metrics.REGISTRY.get_sample_value("faqbot_reload_failures_total") == before + 1


def test_every_outcome_the_code_produces_has_its_own_label() -> None:
    refusals = [check_length("", 50, "x"), check_length("x" * 60, 50, "x")]
    cooldown = Cooldown(seconds=60, burst=1)
    cooldown.hit("u")
    refusals.append(cooldown.hit("u"))
    produced = {outcome.value for outcome in Outcome} | {refusal.reason for refusal in refusals if refusal}
    assert len(produced) == len(Outcome) + 2  # "empty" is both an engine outcome and a refusal
    assert produced <= metrics.OUTCOMES


async def test_a_port_is_shared_between_processes_only_when_asked(holder: EngineHolder, link: Link) -> None:
    """HTTP_SHARED_PORT: Slack HTTP mode's workers bind one port; without it a second bot on the port fails to start."""
    first = HealthServer(holder, [link.connection()], port=0, shared_port=True)
    await first.start()
    second = HealthServer(holder, [link.connection()], port=first.port, shared_port=True)
    lone = HealthServer(holder, [link.connection()], port=first.port)
    try:
        await second.start()
        assert second.port == first.port
        status, _, _ = await get(second, "/healthz")
        assert status == 200
        with pytest.raises(OSError, match="address already in use"):
            await lone.start()
    finally:
        for server in (lone, second, first):
            await server.close()
