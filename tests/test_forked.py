"""A build's side job in a forked child: the same result as in the process, and never a hang or a child left."""

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench.synthetic import workload
from bot import forked
from bot.cards import KnowledgeBase
from bot.engine import Engine, built, matcher
from bot.engine.calibration import CALIBRATION_CARDS_MAX

PARENT = os.getpid()


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two cores, and the process taken for one with no other thread: earlier tests leave idle ones behind (a
    holder's worker, an executor's), which hold no lock a child here would need."""
    monkeypatch.setattr(forked, "cores", lambda: 2)
    monkeypatch.setattr(forked, "alone", lambda: True)


def _pid() -> int:
    return os.getpid()


def _dies_in_a_child() -> str:
    if os.getpid() != PARENT:
        os._exit(3)
    return "run here"


def _fails_in_a_child() -> str:
    if os.getpid() != PARENT:
        raise RuntimeError("no luck")
    return "run here"


def _hangs_in_a_child() -> str:
    if os.getpid() != PARENT:
        time.sleep(60)
    return "run here"


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_job_runs_in_a_child_with_a_core_to_spare(two_cores: None) -> None:
    pending = forked.beside(_pid)
    assert isinstance(pending, forked.Forked)
    child = pending.pid
    assert pending.result() == child != PARENT
    assert _gone(child)


def test_with_one_core_the_job_runs_in_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "cores", lambda: 1)
    assert forked.beside(_pid).result() == PARENT


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_off_linux_the_job_runs_in_the_process(two_cores: None, monkeypatch: pytest.MonkeyPatch, platform: str) -> None:
    monkeypatch.setattr(forked.sys, "platform", platform)  # macOS: a forked child may crash in system libraries
    pending = forked.beside(_pid)
    assert not isinstance(pending, forked.Forked)
    assert pending.result() == PARENT


@pytest.mark.parametrize(
    ("v2", "v1", "cores"),
    [
        ("100000 100000\n", None, 1),  # `docker run --cpus=1`: one core's time, whatever the affinity says
        ("150000 100000\n", None, 2),  # a core and a half: the second half of a core still takes a side job
        ("max 100000\n", None, 4),  # no limit
        (None, ("50000", "100000"), 1),  # cgroup v1's quota and period
        (None, ("-1", "100000"), 4),
        (None, None, 4),  # no cgroup CPU controller to read
    ],
)
def test_a_cpu_quota_counts_as_the_cores_it_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, v2: str | None, v1: tuple[str, str] | None, cores: int
) -> None:
    monkeypatch.setattr(forked.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    quota_v2, quota_v1 = tmp_path / "cpu.max", tmp_path / "cpu" / "cpu.cfs_quota_us"
    if v2 is not None:
        quota_v2.write_text(v2)
    if v1 is not None:
        quota_v1.parent.mkdir()
        quota_v1.write_text(v1[0] + "\n")
        quota_v1.with_name("cpu.cfs_period_us").write_text(v1[1] + "\n")
    monkeypatch.setattr(forked, "CPU_QUOTAS", (quota_v2, quota_v1))
    assert forked.cores() == cores


def test_with_another_thread_running_the_process_does_not_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "cores", lambda: 2)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert forked.beside(_pid).result() == PARENT
    finally:
        stop.set()
        other.join()


@pytest.mark.parametrize("job", [_dies_in_a_child, _fails_in_a_child])
def test_a_child_that_dies_or_fails_costs_a_run_in_the_process(
    two_cores: None, job: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=forked.__name__):
        pending = forked.beside(job)  # type: ignore[arg-type]
        assert pending.result() == "run here"
    assert "running it here instead" in caplog.text
    if job is _fails_in_a_child:
        assert "RuntimeError: no luck" in caplog.text
    assert _gone(pending.pid)  # type: ignore[attr-defined]


def test_a_child_that_hangs_is_killed_and_the_job_run_here(two_cores: None) -> None:
    pending = forked.beside(_hangs_in_a_child, timeout=0.5)
    child = pending.pid  # type: ignore[attr-defined]
    started = time.monotonic()
    assert pending.result() == "run here"
    assert time.monotonic() - started < 10
    assert _gone(child)


def test_a_job_given_up_leaves_no_child(two_cores: None) -> None:
    pending = forked.beside(_hangs_in_a_child)
    child = pending.pid  # type: ignore[attr-defined]
    pending.close()
    assert _gone(child)


# Ctrl-C reaching a child the moment it is forked, before its job: the interrupt must end the child, never unwind into
# the caller's code (which would go on as a second copy of the process: its exit handlers, its output).
INTERRUPTED_AT_FORK = """
import os, signal
from bot import forked
forked.cores = lambda: 2
forked.alone = lambda: True
fork = os.fork
def interrupted():
    pid = fork()
    if pid == 0:
        signal.raise_signal(signal.SIGINT)
    return pid
os.fork = interrupted
parent = os.getpid()
try:
    print("result", forked.beside(os.getpid).result() == parent, flush=True)
except KeyboardInterrupt:
    print("unwound in", "the parent" if os.getpid() == parent else "the child", flush=True)
"""


def test_an_interrupt_at_the_fork_never_runs_the_callers_code_in_the_child() -> None:
    ran = subprocess.run([sys.executable, "-c", INTERRUPTED_AT_FORK], capture_output=True, text=True, timeout=60)
    assert ran.stdout.splitlines() == ["result True"]  # the job run here, after the child ended
    assert ran.returncode == 0


def test_a_child_whose_parent_is_gone_before_it_starts_does_not_run_its_job() -> None:
    # In a process of its own: asking for the parent-death signal is for a child's life, not the test run's.
    check = "import os; from bot import forked; forked._die_with_parent(os.getppid() + 1)"
    ran = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert "ChildProcessError: its parent" in ran.stderr
    assert subprocess.run([sys.executable, "-c", check.replace(" + 1", "")], timeout=60).returncode == 0


@pytest.fixture(scope="module")
def sampled() -> KnowledgeBase:
    """A base large enough to be calibrated on a sample of its cards."""
    return workload(CALIBRATION_CARDS_MAX + 200, 10).knowledge


def _built(knowledge: KnowledgeBase, cores: int) -> tuple[Engine, int]:
    """The engine built with this many cores to run on, and how many children it forked."""
    forks = []
    fork = os.fork
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(forked, "cores", lambda: cores)
        patched.setattr(forked, "alone", lambda: True)  # as the `two_cores` fixture says
        patched.setattr(forked.os, "fork", lambda: forks.append(1) or fork())
        return Engine(knowledge), len(forks)


@pytest.mark.parametrize("base", ["knowledge", "sampled"])
def test_the_decision_and_answers_are_the_same_with_and_without_the_child(
    base: str, request: pytest.FixtureRequest
) -> None:
    knowledge: KnowledgeBase = request.getfixturevalue(base)
    alone, forks_alone = _built(knowledge, cores=1)
    beside, forks_beside = _built(knowledge, cores=2)
    assert (forks_alone, forks_beside) == (0, 1)
    assert alone.calibration is not None
    assert beside.calibration == alone.calibration
    questions = [question for card in list(knowledge.cards.values())[:40] for question in card.questions[1:2]]
    questions += ["good morning all", "what's the weather like tomorrow"]
    for question in questions:
        assert beside.answer(question) == alone.answer(question)


def test_a_build_that_fails_leaves_no_calibration_child(
    two_cores: None, knowledge: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    children: list[forked.Pending[object]] = []
    start = forked.beside
    monkeypatch.setattr(matcher, "beside", lambda *args: children.append(start(*args)) or children[-1])
    monkeypatch.setattr(built, "indexed", lambda *args: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        Engine(knowledge)
    (child,) = children
    assert isinstance(child, forked.Forked)
    assert _gone(child.pid)
