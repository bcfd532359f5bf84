"""`docker build` of deploy/Dockerfile, where a Docker daemon and the base image are at hand (skipped elsewhere)."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"


def base_image() -> str:
    match = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, "deploy/Dockerfile names its base image in ARG PYTHON_IMAGE"
    return match.group(1)


def docker_or_skip() -> str:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker command on this machine: the image is not built here")
    if subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("no Docker daemon reachable (`docker info` fails): the image is not built here")
    if subprocess.run([docker, "image", "inspect", base_image()], capture_output=True, timeout=30).returncode != 0:
        pytest.skip(f"the base image {base_image()} is not present (`docker pull {base_image()}` first)")
    return docker


@pytest.fixture(scope="module")
def image() -> Iterator[tuple[str, str]]:
    docker = docker_or_skip()
    tag = f"faqbot-test:{uuid.uuid4().hex[:12]}"
    build = subprocess.run(
        [docker, "build", "--file", str(DOCKERFILE), "--tag", tag, str(REPO)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    yield docker, tag
    subprocess.run([docker, "image", "rm", "--force", tag], capture_output=True, timeout=120)


@pytest.mark.e2e
def test_the_image_checks_its_baked_in_cards(image: tuple[str, str]) -> None:
    docker, tag = image
    result = subprocess.run([docker, "run", "--rm", tag, "check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    cards = len(list((REPO / "knowledge" / "cards").rglob("*.md")))
    assert result.stdout.splitlines()[-1].startswith(f"{cards} cards,")


@pytest.mark.e2e
def test_the_image_runs_as_its_own_user(image: tuple[str, str]) -> None:
    docker, tag = image
    result = subprocess.run(
        [docker, "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() not in {"", "0"}


@pytest.mark.e2e
def test_the_image_has_no_env_file(image: tuple[str, str]) -> None:
    docker, tag = image
    script = (
        "import glob; "
        "print([p for d in ('/app', '/opt', '/knowledge', '/data') "
        "for p in glob.glob(d + '/**/.env*', recursive=True)])"
    )
    result = subprocess.run(
        [docker, "run", "--rm", "--entrypoint", "python", tag, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
