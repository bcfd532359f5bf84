"""The built image, run for real as a deployment runs it: `make image-test` builds it, names it in FAQBOT_IMAGE (and
the docker command in DOCKER), then runs these. Skipped where FAQBOT_IMAGE is unset (as in `make test`).

Every container runs read-only, with no capability, no new privileges and a labelled, named volume at /data; the
fixtures remove what they started even when a check fails. Each test prints what it checked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.background_loop import BackgroundLoop
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import APP_TOKEN, BOT_TOKEN
from tests.e2e.fake_slack.server import FakeSlack

IMAGE = os.environ.get("FAQBOT_IMAGE", "")
DOCKER = os.environ.get("DOCKER") or "docker"
LABEL = "faqbot.image-test=1"  # every container and volume these tests make: `make image-test` removes what is left
SECRET = "image-test-signing-secret-0123456789"
QUESTION = "what does llama stand for"
ANSWER_WORDS = "Large Language Model Meta AI"
CARDS = len(list((Path(__file__).resolve().parents[2] / "knowledge" / "cards").rglob("*.md")))
START_SECONDS = 120.0  # engine build and Slack's auth.test on 2 busy cores
STOP_SECONDS = 10.0  # a supervisor's grace period: the bot must be gone well before SIGKILL
HARDENED = [
    "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--label", LABEL,
]  # fmt: skip

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not IMAGE, reason="FAQBOT_IMAGE is unset: `make image-test` builds the image and runs these"),
]


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([DOCKER, *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, f"docker {' '.join(args[:3])} …: {result.stderr[-2000:]}"
    return result


def say(what: str) -> None:
    print(f"  checked: {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def post(url: str, body: str, headers: dict[str, str], timeout: float = 10) -> int:
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def signed(body: str, secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/json",
    }


class FakeSlackThread(BackgroundLoop):
    """The tests' fake Slack on 127.0.0.1, served by an event loop of its own in a thread while the tests block."""

    def __init__(self) -> None:
        super().__init__("fake-slack")
        self.fake: FakeSlack = self.call(self._start())

    async def _start(self) -> FakeSlack:
        fake = FakeSlack(BOT_TOKEN, APP_TOKEN)
        await fake.start()
        return fake

    def close(self) -> None:
        try:
            self.call(self.fake.close(), timeout=10)
        finally:
            self.stop()


@dataclass
class Running:
    name: str
    port: int
    slack: FakeSlackThread

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def inspect(self, template: str) -> str:
        return docker("inspect", "--format", template, self.name).stdout.strip()

    def logs(self) -> str:
        result = docker("logs", self.name, check=False)
        return (result.stdout + result.stderr)[-4000:]


@pytest.fixture(scope="module")
def volume() -> Iterator[str]:
    name = f"faqbot-image-test-{uuid.uuid4().hex[:10]}"
    docker("volume", "create", "--label", LABEL, name)
    yield name
    docker("volume", "rm", "--force", name, check=False)


@pytest.fixture(scope="module")
def running(volume: str) -> Iterator[Running]:
    """`faqbot run` in the image: Slack in HTTP mode against the fake Slack, health and metrics on a free port.

    Host networking, so that the container reaches the fake on the host's loopback and the tests reach the bot on
    its own; the bot listens on 127.0.0.1 only."""
    slack = FakeSlackThread()
    name = f"faqbot-image-test-{uuid.uuid4().hex[:10]}"
    bot = Running(name, free_port(), slack)
    settings = {
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(bot.port),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.fake.api_url,
        "COOLDOWN_SECONDS": "0",
    }
    environment = [item for key, value in settings.items() for item in ("--env", f"{key}={value}")]
    try:
        docker(
            "run", "--detach", "--name", name, "--network", "host", "--volume", f"{volume}:/data", *HARDENED,
            "--health-interval", "2s", "--health-timeout", "5s", "--health-start-period", "90s",
            *environment, IMAGE,
        )  # fmt: skip
        deadline = time.monotonic() + START_SECONDS
        status = 0
        while time.monotonic() < deadline:
            if bot.inspect("{{.State.Running}}") != "true":
                pytest.fail(f"the container stopped while starting:\n{bot.logs()}")
            try:
                status, _ = get(bot.url("/healthz"), timeout=2)
            except OSError:
                status = 0
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200, f"/healthz never answered 200 within {START_SECONDS:.0f} s:\n{bot.logs()}"
        yield bot
    finally:
        docker("rm", "--force", name, check=False)
        slack.close()


def test_ask_answers_from_the_shipped_cards_read_only() -> None:
    result = docker("run", "--rm", "--network", "none", *HARDENED, IMAGE, "ask", "--json", QUESTION)
    reply = json.loads(result.stdout)
    assert reply["answered"] is True, reply
    assert ANSWER_WORDS in reply["answer"]
    say(f"`faqbot ask` in a read-only container with no network answered {QUESTION!r} with card {reply['card']}")


def test_the_image_carries_this_trees_code() -> None:
    """Every module of the package as the tree has it, not as an earlier build left it in a build cache."""
    package = Path(__file__).resolve().parents[2] / "bot"
    script = (
        "import hashlib, pathlib, bot; root = pathlib.Path(bot.__file__).parent; "
        "print(hashlib.sha256(b''.join(p.relative_to(root).as_posix().encode() + p.read_bytes() "
        "for p in sorted(root.rglob('*.py')) if 'knowledge' not in p.parts)).hexdigest())"
    )
    result = docker("run", "--rm", "--network", "none", *HARDENED, "--entrypoint", "python", IMAGE, "-c", script)
    files = sorted(path for path in package.rglob("*.py") if "knowledge" not in path.parts)
    here = hashlib.sha256(b"".join(p.relative_to(package).as_posix().encode() + p.read_bytes() for p in files))
    assert result.stdout.strip() == here.hexdigest()
    say(f"the image's {len(files)} modules are this tree's")


def test_check_validates_the_shipped_cards_read_only() -> None:
    result = docker("run", "--rm", "--network", "none", *HARDENED, IMAGE, "check")
    summary = [line for line in result.stdout.splitlines() if line.endswith("warning(s)")]
    assert len(summary) == 1, result.stdout
    assert re.fullmatch(rf"{CARDS} cards, \d+ sources: 0 error\(s\), 0 warning\(s\)", summary[0]), result.stdout
    say(f"`faqbot check`: {summary[0]}")


def test_healthz_reports_the_cards_and_the_slack_connection(running: Running) -> None:
    status, body = get(running.url("/healthz"))
    health = json.loads(body)
    assert status == 200
    assert health["status"] == "ok"
    assert health["knowledge"] == {"ok": True, "cards": CARDS, "problems": 0}
    assert health["connections"]["slack"]["ok"] is True
    assert running.slack.fake.of("auth.test"), "the bot never asked the fake Slack who it is"
    say(f"/healthz 200: {CARDS} cards, Slack connected (auth.test against the fake Slack on the host)")


def test_metrics_are_served_for_prometheus(running: Running) -> None:
    status, body = get(running.url("/metrics"))
    assert status == 200
    assert f"faqbot_cards_loaded {CARDS}.0" in body.splitlines()
    assert 'faqbot_connected{platform="slack"} 1.0' in body.splitlines()
    say("/metrics 200: faqbot_cards_loaded and faqbot_connected for Slack")


def test_the_images_own_healthcheck_turns_healthy(running: Running) -> None:
    deadline = time.monotonic() + 60
    while (health := running.inspect("{{.State.Health.Status}}")) != "healthy" and time.monotonic() < deadline:
        assert health in {"starting", "healthy"}, running.inspect("{{json .State.Health}}")
        time.sleep(1)
    assert health == "healthy", running.inspect("{{json .State.Health}}")
    say("HEALTHCHECK (`faqbot health` inside the container): healthy")


def test_it_runs_as_an_unprivileged_user_on_a_read_only_root(running: Running) -> None:
    uid = docker("exec", running.name, "id", "-u").stdout.strip()
    assert uid not in {"", "0"}
    capabilities = docker("exec", running.name, "grep", "^CapEff:", "/proc/1/status").stdout.split()
    assert capabilities == ["CapEff:", "0000000000000000"]
    assert running.inspect("{{.HostConfig.ReadonlyRootfs}}") == "true"
    write = docker("exec", running.name, "touch", "/opt/faqbot/written", check=False)
    assert write.returncode != 0, "the image's files are writable"
    data = docker("exec", running.name, "touch", "/data/written", check=False)
    assert data.returncode == 0, data.stderr
    say(f"uid {uid}, no effective capability, read-only root (a write under /opt fails), /data writable")


def test_slack_http_mode_answers_a_signed_mention(running: Running) -> None:
    url = running.url("/slack/events")
    event = json.dumps(payloads.mention(QUESTION))
    assert post(url, event, signed(event, secret="not-the-secret")) == 401
    assert post(url, event, signed(event)) == 200
    call = running.slack.call(running.slack.fake.wait_for("chat.postMessage"))
    text = json.dumps(call.body)
    assert ANSWER_WORDS in text, text[:1000]
    assert len(running.slack.fake.of("chat.postMessage")) == 1  # the badly signed one was not answered
    say("a signed app_mention on /slack/events was answered through the fake Slack's chat.postMessage (bad: 401)")


def test_sigterm_stops_it_cleanly_and_quickly(running: Running) -> None:
    started = time.monotonic()
    docker("stop", "--time", "30", running.name, timeout=60)
    took = time.monotonic() - started
    code = running.inspect("{{.State.ExitCode}}")
    logs = running.logs()
    assert code == "0", logs
    assert took < STOP_SECONDS, f"stopped only after {took:.1f} s"
    assert "Traceback" not in logs, logs
    say(f"`docker stop` (SIGTERM): exit 0 after {took:.1f} s, no traceback in the log")
