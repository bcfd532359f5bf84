"""`pipx install .` / `uv tool install .`: the wheel carries the shipped cards, and the installed command runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "knowledge"
NETWORK_TROUBLE = ("failed to fetch", "error sending request", "dns error", "network", "offline", "timed out")


def find_uv() -> str | None:
    """The uv on PATH, or the one `make install` puts in the checkout."""
    local = REPO / ".uv-tool" / "bin" / "uv"
    return shutil.which("uv") or (str(local) if local.exists() else None)


UV = find_uv()
pytestmark = pytest.mark.skipif(UV is None, reason="uv is not installed (run `make install`): cannot build the wheel")


def uv(*args: str | Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Offline first (the build backend is in uv's cache after `make install`), then once more with the index."""
    command = [UV, *map(str, args)]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("UV_PROJECT", "VIRTUAL_ENV"))}
    result = subprocess.run([*command, "--offline"], capture_output=True, text=True, timeout=timeout, env=env)
    if result.returncode != 0:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    if result.returncode != 0 and any(word in result.stderr.lower() for word in NETWORK_TROUBLE):
        pytest.skip(f"`uv {args[0]}` needs packages it cannot fetch here: {result.stderr.strip()[-300:]}")
    assert result.returncode == 0, result.stderr
    return result


def shipped_files() -> set[str]:
    return {path.relative_to(SHIPPED).as_posix() for path in SHIPPED.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    uv("build", "--wheel", "--out-dir", out, REPO)
    (built,) = out.glob("faqbot-*.whl")
    return built


def test_the_wheel_carries_every_shipped_card(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    bundled = {name.removeprefix("bot/knowledge/") for name in names if name.startswith("bot/knowledge/")}
    assert any(name.startswith("cards/") and name.endswith(".md") for name in bundled)
    assert bundled == shipped_files()
    assert "bot/cli.py" in names
    assert not [name for name in names if name.startswith(("tests/", "bench/", "deploy/"))]


def test_the_sdist_rebuilds_the_same_package(tmp_path: Path) -> None:
    """`uv build` (sdist, then the wheel from it) is how releases are made: the cards must survive the round trip."""
    uv("build", "--out-dir", tmp_path, REPO)
    (built,) = tmp_path.glob("faqbot-*.whl")
    with zipfile.ZipFile(built) as archive:
        bundled = {
            name.removeprefix("bot/knowledge/") for name in archive.namelist() if name.startswith("bot/knowledge/")
        }
    assert bundled == shipped_files()


def test_the_installed_command_checks_the_bundled_cards(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    uv("venv", "--python", sys.executable, venv)
    python = venv / "bin" / "python"
    uv("pip", "install", "--python", python, wheel)
    env = {key: value for key, value in os.environ.items() if key not in {"KNOWLEDGE_DIR", "PYTHONPATH"}}
    # Run outside the checkout, with no .env in reach: the command must find its cards inside the package.
    result = subprocess.run(
        [venv / "bin" / "faqbot", "check"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    cards = len(list((SHIPPED / "cards").rglob("*.md")))
    summary, decision = result.stdout.splitlines()[-2:]
    assert summary.startswith(f"{cards} cards,")
    assert decision.startswith("answering at threshold")
