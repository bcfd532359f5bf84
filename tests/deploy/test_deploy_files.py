"""The deploy files: Dockerfile, compose file, systemd unit and `.env.example`, checked against the code they run."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
SECRET_WORDS = re.compile(r"TOKEN|SECRET|PASSWORD|SALT|DATABASE_URL", re.IGNORECASE)


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def final_stage(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(index for index, (keyword, _) in enumerate(pairs) if keyword == "FROM")
    return pairs[last_from:]


def image_env(pairs: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in pairs:
        if keyword == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", rest)))
    return env


# --- Dockerfile ---------------------------------------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        pytest.skip("hadolint is not installed (it comes with the dev dependencies: `make install`)")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_builds_in_stages_from_the_lockfile() -> None:
    pairs = instructions(DOCKERFILE)
    assert sum(keyword == "FROM" for keyword, _ in pairs) >= 2
    runs = [rest for keyword, rest in pairs if keyword == "RUN"]
    assert any("uv sync --locked" in run and "--no-dev" in run for run in runs)
    assert any(keyword == "COPY" and "uv.lock" in rest for keyword, rest in pairs)
    runtime = final_stage(pairs)
    assert any(keyword == "COPY" and rest.startswith("--from=build") for keyword, rest in runtime)
    assert not any("uv " in rest for keyword, rest in runtime if keyword == "RUN"), "no build tool in the runtime"


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [rest for keyword, rest in final_stage(instructions(DOCKERFILE)) if keyword == "USER"]
    assert users, "the runtime stage must switch to a non-root user"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}


def test_dockerfile_exec_form_entrypoint_and_healthcheck() -> None:
    runtime = final_stage(instructions(DOCKERFILE))
    entrypoint = [rest for keyword, rest in runtime if keyword == "ENTRYPOINT"][-1]
    assert json.loads(entrypoint) == ["faqbot"]  # exec form: the bot is PID 1 and receives SIGTERM
    assert json.loads([rest for keyword, rest in runtime if keyword == "CMD"][-1]) == ["run"]
    healthcheck = [rest for keyword, rest in runtime if keyword == "HEALTHCHECK"][-1]
    assert json.loads(healthcheck.split("CMD", 1)[1]) == ["faqbot", "health"]


def test_dockerfile_serves_health_where_it_says() -> None:
    runtime = final_stage(instructions(DOCKERFILE))
    env = image_env(runtime)
    exposed = [rest for keyword, rest in runtime if keyword == "EXPOSE"]
    assert exposed == [env["HTTP_PORT"]]
    assert env["HTTP_HOST"] == "0.0.0.0"
    settings = Settings(_env_file=None, **{name.lower(): value for name, value in env.items() if name.isupper()})
    assert settings.http_port == int(env["HTTP_PORT"])
    assert str(settings.data_dir) in [rest.strip('[]"') for keyword, rest in runtime if keyword == "VOLUME"]


def test_dockerfile_bakes_in_no_secret() -> None:
    for keyword, rest in instructions(DOCKERFILE):
        if keyword in {"ARG", "ENV", "LABEL"}:
            assert not SECRET_WORDS.search(rest), f"{keyword} {rest}"
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignore[[line.startswith("#") for line in ignore].index(False)] == "*", "the build context is allow-listed"
    assert not [line for line in ignore if line.startswith("!") and ".env" in line]


def test_dockerfile_copies_only_what_the_context_allows() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for keyword, rest in instructions(DOCKERFILE):
        if keyword == "COPY" and not rest.startswith("--from"):
            *sources, _destination = rest.split()
            for source in sources:
                assert source in allowed, f"COPY {source}: excluded by Dockerfile.dockerignore"
                assert (REPO / source).exists()


# --- compose ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_builds_this_repository(compose: dict) -> None:
    build = compose["services"]["bot"]["build"]
    assert (DEPLOY / build["context"]).resolve() == REPO
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE


def test_compose_keeps_data_in_a_volume(compose: dict) -> None:
    bot = compose["services"]["bot"]
    data_dir = str(Settings(_env_file=None, **{k.lower(): v for k, v in bot["environment"].items()}).data_dir)
    volumes = {entry.split(":")[1]: entry.split(":")[0] for entry in bot["volumes"]}
    assert volumes[data_dir] in compose["volumes"]
    assert bot["env_file"] == ".env"


def test_compose_publishes_the_health_port(compose: dict) -> None:
    bot = compose["services"]["bot"]
    container_ports = {entry.rsplit(":", 1)[1] for entry in bot["ports"]}
    assert bot["environment"]["HTTP_PORT"] in container_ports


def test_compose_postgres_only_behind_a_profile(compose: dict) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["profiles"] == ["postgres", "scale"]
    assert "profiles" not in compose["services"]["bot"]
    assert compose["services"]["bot"]["depends_on"]["postgres"]["required"] is False


def test_compose_scale_profile_runs_the_bot_as_two_shards_over_postgres(compose: dict) -> None:
    """The same service as `bot` but for its shard, its health port, and PostgreSQL, which it cannot run without."""
    bot = compose["services"]["bot"]
    shards = [compose["services"][f"shard-{shard}"] for shard in (0, 1)]
    for shard_id, shard in enumerate(shards):
        assert shard["profiles"] == ["scale"]
        assert shard["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert {key: shard[key] for key in ("build", "env_file", "volumes")} == {
            key: bot[key] for key in ("build", "env_file", "volumes")
        }  # one salt of the user hashes, in the shared data volume
        settings = Settings(_env_file=None, **{key.lower(): value for key, value in shard["environment"].items()})
        assert (settings.discord_shard_count, settings.discord_shard_ids) == (2, [shard_id])
        assert shard["environment"].items() >= bot["environment"].items()
    assert len({port for shard in shards for port in shard["ports"]}) == 2


def test_compose_gives_postgres_only_its_own_settings(compose: dict) -> None:
    """Not the whole .env (the chat tokens): only the POSTGRES_* variables, defaulting as the postgres image does."""
    postgres = compose["services"]["postgres"]
    assert "env_file" not in postgres
    assert set(postgres["environment"]) == {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
    shown = example_entries()
    for name, value in postgres["environment"].items():
        default = re.fullmatch(r"\$\{" + name + r":-([^}]*)\}", value)
        assert default, f"{name}: {value}"
        assert shown[name] == default.group(1), f"deploy/.env.example shows {name}={shown[name]}"
    assert shown["POSTGRES_USER"] == shown["POSTGRES_DB"] == "postgres"  # the image's own defaults


def test_the_local_postgresql_image_stands_in_as_compose_uses_postgres(compose: dict) -> None:
    """deploy/postgres/ replaces compose.yaml's postgres image where no registry serves it (`make image-test`): the
    data where the volume is mounted, the health check's program on the PATH, the three variables read."""
    postgres = compose["services"]["postgres"]
    pairs = instructions(DEPLOY / "postgres" / "Dockerfile")
    env = image_env(pairs)
    [data] = [entry.split(":")[1] for entry in postgres["volumes"]]
    assert env["PGDATA"] == data
    programs = env["PATH"].split(":")[0]  # a link to PostgreSQL's own bin folder, whatever its version
    link = re.compile(rf'ln -s "[^"]+" {re.escape(programs)}(\s|$)')
    assert any(keyword == "RUN" and link.search(rest) for keyword, rest in pairs), programs
    assert postgres["healthcheck"]["test"][1].startswith("pg_isready ")
    entrypoint = (DEPLOY / "postgres" / "entrypoint.sh").read_text(encoding="utf-8")
    for name in postgres["environment"]:
        assert "${" + name in entrypoint, f"deploy/postgres/entrypoint.sh does not read {name}"


def test_compose_names_the_version_it_needs() -> None:
    """Top-level `name` and `depends_on.required` need Compose v2.20; the header and the README say so."""
    header = (DEPLOY / "compose.yaml").read_text(encoding="utf-8").split("\nname:")[0]
    assert "v2.20 or later" in header
    assert "Compose v2.20 or later" in (REPO / "README.md").read_text(encoding="utf-8")


# --- .env.example -------------------------------------------------------------------------------------------------

EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$")


def example_entries() -> dict[str, str]:
    entries = {}
    for line in (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines():
        if match := EXAMPLE_LINE.match(line.strip()):
            entries[match.group(1)] = match.group(2).strip()
    return entries


def test_env_example_documents_every_setting() -> None:
    documented = example_entries()
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in documented]
    assert not missing, f"add these settings to deploy/.env.example: {missing}"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_env_example_shows_the_real_default(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shown value must be the default; an empty one stands for a setting that is unset by default."""
    for field in Settings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    shown = example_entries().get(name.upper())
    field = Settings.model_fields[name]
    if not shown:
        assert field.default_factory is not None or field.default in (None, []), f"{name.upper()}= hides a default"
        return
    monkeypatch.setenv(name.upper(), shown)
    assert getattr(Settings(_env_file=None), name) == field.get_default(call_default_factory=True)


def test_env_example_sets_nothing_by_itself() -> None:
    """Copied as it is, the example must change nothing: every setting line is commented out."""
    lines = (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
    assert not [line for line in lines if EXAMPLE_LINE.match(line) and not line.startswith("#")]


# --- systemd ------------------------------------------------------------------------------------------------------

UNIT = DEPLOY / "faqbot.service"


def unit_directives() -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            directives.setdefault(key.strip(), []).append(value.strip())
    return directives


def test_unit_is_hardened() -> None:
    unit = unit_directives()
    assert unit["User"] == ["faqbot"]
    assert unit["ProtectSystem"] == ["strict"]
    assert unit["NoNewPrivileges"] == ["yes"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["EnvironmentFile"] == ["/etc/faqbot/faqbot.env"]
    data_dir = dict(item.split("=", 1) for value in unit["Environment"] for item in value.split())["DATA_DIR"]
    assert unit["ReadWritePaths"] == [data_dir]
    assert unit["ExecStart"][0].split()[1:] == ["run"]


def test_unit_runs_what_the_lock_file_installs_with_the_images_extras() -> None:
    """The unit's install line is `uv sync --frozen` into the virtualenv ExecStart runs, with the image's extras."""
    header = " ".join(line.lstrip("# ").rstrip("\\") for line in UNIT.read_text(encoding="utf-8").splitlines()[:8])
    install = re.search(r"UV_PROJECT_ENVIRONMENT=(\S+) .*?(uv sync [^#]*?)(?:sudo|$)", header)
    assert install, header
    venv, sync = install.group(1), install.group(2).split()
    assert {"--frozen", "--no-dev", "--no-editable"} <= set(sync)
    extras = {sync[i + 1] for i, word in enumerate(sync) if word == "--extra"}
    image_runs = " ".join(rest for keyword, rest in instructions(DOCKERFILE) if keyword == "RUN")
    assert extras == set(re.findall(r"--extra (\S+)", image_runs)) == {"postgres"}
    assert unit_directives()["ExecStart"][0].split()[0] == f"{venv}/bin/faqbot"


@pytest.fixture
def installable_unit(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this environment's `faqbot`, since verify checks the command exists."""
    command = Path(sys.executable).parent / "faqbot"
    if not command.exists():
        pytest.skip(f"no faqbot command beside {sys.executable} (run `make install`)")
    text = UNIT.read_text(encoding="utf-8")
    installed = unit_directives()["ExecStart"][0].split()[0]
    path = tmp_path / UNIT.name
    path.write_text(text.replace(f"ExecStart={installed}", f"ExecStart={command}"), encoding="utf-8")
    return path


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.skip("systemd-analyze is not on this machine: the unit file is not verified here")
    return found


def test_systemd_analyze_verify(installable_unit: Path) -> None:
    result = subprocess.run(
        [systemd_analyze(), "verify", str(installable_unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert not result.stderr.strip(), result.stderr  # unknown keys are only warned about


def test_systemd_exposure_is_low(installable_unit: Path) -> None:
    """`systemd-analyze security` rates the unit's sandbox; 2.0 or below is its "OK" band's lower part."""
    result = subprocess.run(
        [systemd_analyze(), "security", "--offline=yes", "--threshold=20", "--no-pager", str(installable_unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if "--offline" in result.stderr and "unrecognized" in result.stderr:
        pytest.skip("this systemd-analyze cannot rate a unit file offline (systemd < 250)")
    assert result.returncode == 0, result.stdout[-600:]
