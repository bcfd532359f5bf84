"""`docker build` of deploy/Dockerfile, where a Docker daemon with BuildKit and the base image are at hand (skipped
elsewhere, with the reason). `make image-test` runs these on the image it built: FAQBOT_IMAGE names it, DOCKER the
docker command with BuildKit, FAQBOT_BASE_IMAGE the base it was built from."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
BUILDKIT = {**os.environ, "DOCKER_BUILDKIT": "1"}  # the Dockerfile's cache mounts need BuildKit


def base_image() -> str:
    """The base to build from: FAQBOT_BASE_IMAGE, else the Dockerfile's own default."""
    match = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, "deploy/Dockerfile names its base image in ARG PYTHON_IMAGE"
    return os.environ.get("FAQBOT_BASE_IMAGE") or match.group(1)


def buildkit_missing(docker: str) -> str | None:
    """Why this docker command cannot build with BuildKit, or None when it can.

    Before Docker 23 the CLI holds a BuildKit client of its own (`DOCKER_BUILDKIT=1`); from 23 on, `docker build`
    with BuildKit goes through the buildx plugin, and without it fails instead of building."""
    version = subprocess.run(
        [docker, "version", "--format", "{{.Client.Version}}"], capture_output=True, text=True, timeout=30
    ).stdout.strip()
    major = re.match(r"(\d+)\.", version)
    if major and int(major.group(1)) < 23:
        return None
    if subprocess.run([docker, "buildx", "version"], capture_output=True, timeout=30).returncode == 0:
        return None
    return f"the docker command {docker} (client {version or 'unknown'}) has no BuildKit: install the buildx plugin"


def docker_or_skip() -> str:
    docker = os.environ.get("DOCKER") or shutil.which("docker")
    if docker is None:
        pytest.skip("no docker command on this machine: the image is not built here")
    if subprocess.run([docker, "info"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("no Docker daemon reachable (`docker info` fails): the image is not built here")
    if reason := buildkit_missing(docker):
        pytest.skip(reason)
    if subprocess.run([docker, "image", "inspect", base_image()], capture_output=True, timeout=30).returncode != 0:
        pytest.skip(f"the base image {base_image()} is not present (`docker pull {base_image()}` first)")
    return docker


@pytest.fixture(scope="module")
def image() -> Iterator[tuple[str, str]]:
    """The image `make image-test` built (FAQBOT_IMAGE), or one built here and removed afterwards."""
    if built := os.environ.get("FAQBOT_IMAGE"):
        yield os.environ.get("DOCKER") or "docker", built
        return
    docker = docker_or_skip()
    tag = f"faqbot-test:{uuid.uuid4().hex[:12]}"
    build = subprocess.run(
        [docker, "build", "--file", str(DOCKERFILE), "--build-arg", f"PYTHON_IMAGE={base_image()}", "--tag", tag,
         str(REPO)],
        capture_output=True,
        text=True,
        timeout=900,
        env=BUILDKIT,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-3000:]
    yield docker, tag
    subprocess.run([docker, "image", "rm", "--force", tag], capture_output=True, timeout=120)


@pytest.mark.e2e
def test_the_image_checks_its_baked_in_cards(image: tuple[str, str]) -> None:
    docker, tag = image
    result = subprocess.run([docker, "run", "--rm", tag, "check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    cards = len(list((REPO / "knowledge" / "cards").rglob("*.md")))
    summary = rf"{cards} cards, \d+ sources: 0 error\(s\), 0 warning\(s\)"
    assert [line for line in result.stdout.splitlines() if re.fullmatch(summary, line)], result.stdout


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
