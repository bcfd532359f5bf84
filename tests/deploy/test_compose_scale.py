"""compose.yaml's `scale` profile brought up for real with `docker compose`: PostgreSQL and the two shard processes,
as a user runs them, against the tests' fake Discord. `make image-test` runs this on the image it built; skipped where
FAQBOT_IMAGE is unset (as in `make test`) or where no Docker Compose v2.24+ can be had.

Compose gets deploy/compose.yaml as shipped plus an override that this test writes: the built image, the fake
Discord's addresses and a database URL for the shards, no env_file (a developer's deploy/.env, with real tokens, is
never read), FAQBOT_POSTGRES_IMAGE where no registry serves compose.yaml's `postgres` image, and the image tests'
label on every container, volume and network. The fake listens on the Docker bridge's gateway, the host's address
that every container reaches; the project is taken down with its volumes whatever happens.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.store.schema import LATEST
from tests.deploy.background_loop import BackgroundLoop
from tests.deploy.test_image import ANSWER_WORDS, DOCKER, IMAGE, LABEL, QUESTION, docker, get, say
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import CALLBACK, TOKEN
from tests.e2e.fake_discord.server import FakeDiscord, Request
from tests.e2e.test_discord_shards import GUILD_ON_SHARD, connected, interact

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "deploy" / "compose.yaml"
POSTGRES_IMAGE = os.environ.get("FAQBOT_POSTGRES_IMAGE", "")
SHARDS = tuple(GUILD_ON_SHARD)
START_SECONDS = 240.0  # PostgreSQL made, then two engines built at once, on 2 busy cores
# compose.yaml needs v2.20 (top-level `name`, `depends_on.required`); the override's `!reset` needs v2.24.
COMPOSE_VERSION = (2, 24)
# Settings of the caller's shell that Compose would read before the test's own env file.
FOREIGN = ("POSTGRES_", "COMPOSE_")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not IMAGE, reason="FAQBOT_IMAGE is unset: `make image-test` builds the image and runs these"),
]


def compose_missing() -> str | None:
    """Why `docker compose` cannot run compose.yaml here, or None when it can."""
    result = subprocess.run([DOCKER, "compose", "version", "--short"], capture_output=True, text=True, timeout=30)
    version = re.match(r"v?(\d+)\.(\d+)", result.stdout.strip())
    if result.returncode != 0 or version is None:
        return "no Docker Compose v2 (`docker compose version` fails): `make image-test` installs it as root on Debian"
    if (int(version[1]), int(version[2])) < COMPOSE_VERSION:
        return f"Docker Compose {result.stdout.strip()} is older than v2.24, which this test's override file needs"
    return None


def bridge_gateway() -> str:
    """The host's address on Docker's default bridge: containers on any Compose network reach it."""
    gateway = docker("network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{.Gateway}}{{end}}")
    address = gateway.stdout.strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", address), f"no IPv4 gateway on Docker's bridge: {address!r}"
    return address


def override(fake: FakeDiscord, password: str) -> str:
    """The override file's YAML: JSON values (JSON is YAML), and Compose's `!reset` for what must go."""
    key, value = LABEL.split("=")
    labels = {key: value}
    shard = {
        "image": IMAGE,
        "pull_policy": "never",
        "labels": labels,
        "environment": {
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "DISCORD_GUILD_IDS": ",".join(map(str, GUILD_ON_SHARD.values())),
            "DATABASE_URL": f"postgresql://postgres:{password}@postgres:5432/postgres",
            "COOLDOWN_SECONDS": "0",
        },
    }
    postgres: dict[str, object] = {"labels": labels}
    if POSTGRES_IMAGE:
        postgres |= {"image": POSTGRES_IMAGE, "pull_policy": "never"}
    services = ["services:", "  bot:", "    env_file: !reset []"]
    for number in SHARDS:
        services += [f"  shard-{number}:", "    env_file: !reset []"]
        services += [f"    {setting}: {json.dumps(given)}" for setting, given in shard.items()]
    services.append(f"  postgres: {json.dumps(postgres)}")
    labelled = json.dumps({"labels": labels})
    volumes = ["volumes:", f"  faqbot-data: {labelled}", f"  postgres-data: {labelled}"]
    networks = ["networks:", f"  default: {labelled}"]
    return "\n".join([*services, *volumes, *networks]) + "\n"


@dataclass
class Scale:
    """One Compose project of the scale profile, under a name of its own, and the fake Discord its shards use."""

    project: str
    files: Path
    fake: FakeDiscord
    loop: BackgroundLoop
    env: dict[str, str] = field(default_factory=dict)
    up: bool = False

    def compose(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [
            DOCKER, "compose", "--project-name", self.project, "--env-file", str(self.files / "compose.env"),
            "--file", str(COMPOSE_FILE), "--file", str(self.files / "override.yaml"), "--profile", "scale", *args,
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=self.env)
        if check:
            assert result.returncode == 0, f"docker compose {' '.join(args)}: {result.stderr[-3000:]}"
        return result

    def connected_within(self, seconds: float) -> bool:
        """Whether both shards have IDENTIFYed and keep their connections, waiting at most `seconds`."""
        try:
            self.loop.call(self.fake.wait_until(connected(self.fake), seconds), timeout=seconds + 5)
        except TimeoutError:
            return False
        return True

    def container(self, service: str) -> str:
        return self.compose("ps", "--all", "--quiet", service).stdout.strip()

    def address(self, service: str) -> str:
        """The service's address on the project's network: where its requests to the fake come from."""
        template = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
        return docker("inspect", "--format", template, self.container(service)).stdout.strip()

    def health_url(self, service: str) -> str:
        """/healthz where compose.yaml publishes the service's port 8080 on the host."""
        return f"http://{self.compose('port', service, '8080').stdout.strip()}/healthz"

    def logs(self, *services: str) -> str:
        result = self.compose("logs", "--no-color", *services, check=False)
        return result.stdout + result.stderr

    def psql(self, sql: str) -> list[str]:
        """What PostgreSQL in the project answers, one line a row."""
        result = self.compose("exec", "-T", "postgres", "psql", "-U", "postgres", "-d", "postgres", "-tA", "-c", sql)
        return result.stdout.split()

    def resources(self) -> list[str]:
        """Every container, volume and network Compose made for this project."""
        ours = f"label=com.docker.compose.project={self.project}"
        listed = {
            "container": docker("container", "ls", "--all", "--quiet", "--filter", ours),
            "volume": docker("volume", "ls", "--quiet", "--filter", ours),
            "network": docker("network", "ls", "--quiet", "--filter", ours),
        }
        return [f"{kind} {name}" for kind, result in listed.items() for name in result.stdout.split()]

    def down(self) -> None:
        """Stop and remove the project with its volumes; again is harmless."""
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "20", timeout=180)
        self.up = False


@pytest.fixture(scope="module")
def scale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scale]:
    """`docker compose --profile scale up -d shard-0 shard-1`, started until both shards have IDENTIFYed; taken
    down with its volumes afterwards, also when starting or a check failed."""
    if reason := compose_missing():
        pytest.skip(reason)
    loop = BackgroundLoop("fake-discord")
    fake = FakeDiscord(TOKEN, tuple(GUILD_ON_SHARD.values()), host=bridge_gateway())
    loop.call(fake.start())
    files = tmp_path_factory.mktemp("compose")
    password = uuid.uuid4().hex
    (files / "compose.env").write_text(f"POSTGRES_PASSWORD={password}\n", encoding="utf-8")
    (files / "override.yaml").write_text(override(fake, password), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(FOREIGN)}
    scale = Scale(f"faqbot-scale-test-{uuid.uuid4().hex[:10]}", files, fake, loop, env)
    try:
        scale.up = True
        scale.compose("up", "--detach", "shard-0", "shard-1")
        deadline = time.monotonic() + START_SECONDS
        while not scale.connected_within(seconds=2):
            assert time.monotonic() < deadline, f"the shards never both connected:\n{scale.logs()[-6000:]}"
            states = scale.compose("ps", "--all", "--format", "{{.Service}} {{.State}}").stdout.split("\n")
            stopped = [line for line in states if line and not line.endswith("running")]
            assert not stopped, f"stopped while starting: {stopped}\n{scale.logs()[-6000:]}"
            time.sleep(1)
        yield scale
    finally:
        try:
            if scale.up:
                scale.down()
        finally:
            loop.call(fake.stop())
            loop.stop()


def test_each_shard_identifies_with_its_shard_id_from_its_own_container(scale: Scale) -> None:
    identified = sorted(map(tuple, scale.fake.identified_shards))
    assert identified == [(0, 2), (1, 2)], identified
    for shard in SHARDS:
        session = scale.fake.sessions[shard]
        assert session.request is not None
        assert session.request.remote == scale.address(f"shard-{shard}")
    say("IDENTIFY with shard [0, 2] from shard-0's container and [1, 2] from shard-1's, on the fake Discord")


def test_a_question_in_each_server_is_answered_by_its_shards_process_only(scale: Scale) -> None:
    for shard, guild_id in GUILD_ON_SHARD.items():
        callback = scale.loop.call(interact(scale.fake, 2, ask(), guild_id))
        assert ANSWER_WORDS in callback.body["data"]["embeds"][0]["description"], callback.body
        assert callback.remote == scale.address(f"shard-{shard}")
        time.sleep(1)  # time enough for a second answer, were another process answering too
        answers = [request for request in scale.fake.requests if re.fullmatch(callback_of(callback), request.path)]
        assert answers == [callback]
    say(f"/ask {QUESTION!r} in server {list(GUILD_ON_SHARD.values())}: each answered once, by its shard's container")


def test_both_processes_share_one_postgresql_migrated_once(scale: Scale) -> None:
    for shard in SHARDS:  # the store opens in the background; "ok" once it is migrated and writing
        wait_healthy(scale, f"shard-{shard}", store="ok")
    assert scale.psql("SELECT version FROM schema_version ORDER BY version") == [str(v) for v in range(1, LATEST + 1)]
    migrated = f"database schema migrated from version 0 to {LATEST}"
    assert scale.logs("shard-0", "shard-1").count(migrated) == 1, scale.logs("shard-0", "shard-1")[-6000:]
    deadline = time.monotonic() + 30
    while (guilds := scale.psql("SELECT DISTINCT guild FROM questions ORDER BY guild")) != sorted(
        map(str, GUILD_ON_SHARD.values())
    ):
        assert time.monotonic() < deadline, f"the questions recorded in PostgreSQL: {guilds}"
        time.sleep(0.5)
    say(f"one PostgreSQL: schema versions 1..{LATEST} applied once (one process migrated), both servers' questions")


def test_healthz_of_each_shard_answers_where_compose_publishes_it(scale: Scale) -> None:
    for shard in SHARDS:
        health = wait_healthy(scale, f"shard-{shard}", store="ok")
        assert health["status"] == "ok"
        assert health["connections"]["discord"]["ok"] is True
        assert health["knowledge"]["cards"] > 0
    say(f"/healthz 200 at {scale.health_url('shard-0')} and {scale.health_url('shard-1')}: Discord and store ok")


def test_down_removes_every_container_volume_and_network(scale: Scale) -> None:
    assert scale.resources(), "the project had made nothing to remove"
    scale.down()
    assert scale.resources() == []
    say(f"`docker compose down --volumes` left nothing of project {scale.project}")


def ask() -> dict[str, object]:
    return payloads.slash("ask", [payloads.string_option("question", QUESTION)])


def callback_of(callback: Request) -> str:
    interaction_id = callback.path.split("/")[2]
    return CALLBACK.format(id=interaction_id)


def wait_healthy(scale: Scale, service: str, store: str) -> dict[str, object]:
    url = scale.health_url(service)
    deadline = time.monotonic() + 60
    while True:
        try:
            status, body = get(url)
        except OSError as error:
            status, body = 0, str(error)
        if status == 200 and json.loads(body).get("store") == store:
            return json.loads(body)
        assert time.monotonic() < deadline, f"{url}: {status} {body}\n{scale.logs(service)[-4000:]}"
        time.sleep(0.5)
