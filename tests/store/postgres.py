"""A throwaway PostgreSQL server on 127.0.0.1 for the store's tests, when the machine has one installed.

TEST_POSTGRES_URL points the tests at a server that is already running instead.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT_SECONDS = 30
_names = itertools.count()


def _binaries() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user() -> list[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` account then."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root without runuser: cannot start PostgreSQL as another user")
    return [runuser, "-u", "postgres", "--"]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yields a URL to an empty server; raises RuntimeError saying why when none can be started."""
    if url := os.environ.get("TEST_POSTGRES_URL"):
        yield url
        return
    binaries = _binaries()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb/pg_ctl); set TEST_POSTGRES_URL to use a server")
    prefix = _as_server_user()
    workdir = Path(tempfile.mkdtemp(prefix="faqbot-pg-"))
    if prefix:
        shutil.chown(workdir, "postgres")
    data, port = workdir / "data", _free_port()
    run = {"check": True, "capture_output": True, "timeout": START_TIMEOUT_SECONDS}
    try:
        subprocess.run([*prefix, binaries / "initdb", "-D", data, "-A", "trust", "-U", "faqbot", "--no-sync"], **run)
        options = f"-h 127.0.0.1 -p {port} -k {workdir} -F -c max_connections=50"
        start = [*prefix, binaries / "pg_ctl", "-D", data, "-o", options, "-l", workdir / "log", "-w", "start"]
        subprocess.run(start, **run)
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        detail = getattr(exc, "stderr", b"") or b""
        raise RuntimeError(f"could not start PostgreSQL: {exc} {detail.decode(errors='replace')[-300:]}") from exc
    try:
        yield f"postgresql://faqbot@127.0.0.1:{port}/postgres"
    finally:
        stop = [*prefix, binaries / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"]
        subprocess.run(stop, check=False, capture_output=True, timeout=START_TIMEOUT_SECONDS)
        shutil.rmtree(workdir, ignore_errors=True)


async def fresh_database(server_url: str) -> str:
    """A new empty database on the test server, so tests never see each other's rows."""
    import asyncpg

    name = f"faqbot_test_{next(_names)}"
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {name}")
        await connection.execute(f"CREATE DATABASE {name}")
    finally:
        await connection.close()
    return server_url.rsplit("/", 1)[0] + f"/{name}"
