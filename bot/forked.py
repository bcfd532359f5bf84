"""A side job of a start run in a forked child, so it takes the second core while the process keeps the first.

A start from card files with an empty index cache ran on one core: the threshold's calibration (`calibration.py`)
waited for the build, though it needs only the cards, and the loader parsed every card file in turn. Forked, the
child has the cards and the modules already in memory (nothing pickled to it, no interpreter to start, a few
milliseconds); only its result comes back through a pipe. A fork copies only the thread that calls it, and a lock
another thread held stays held in the child, so the job forks only while the process runs no other thread (a bot's
start, a `check` or an `eval`, the child that builds a reload: `build_process.py`), and only on Linux: on macOS a
forked child may crash or hang in system libraries (Accelerate, which numpy may use, and libdispatch), Windows has no
fork, and neither has the parent-death signal that keeps a child from outliving its parent. In a serving process, with
one core to run on, or off Linux, the job runs in the process, when its result is wanted, as it always did. A child
that cannot start, dies, fails or hangs costs only that run in the process: the result is the same either way, and
never lost.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import pickle
import select
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, TypeVar, cast

log = logging.getLogger(__name__)

T = TypeVar("T")
TIMEOUT = 300.0  # a job that sends nothing in this long is taken for hung: killed, and run in the process
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a child gets when its parent ends
# Held back from the fork until each side is ready: a Ctrl-C then ends the child in its own code, never unwinding into
# the caller's, and the parent knows its child before it is interrupted.
_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}
# A container limited to some CPUs' time (`docker run --cpus`, Kubernetes' limits) still has every core of the host in
# its affinity: its cgroup's quota says what it may use (cgroup v2's file, else v1's quota beside its period).
CPU_QUOTAS = (Path("/sys/fs/cgroup/cpu.max"), Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"))


def cores() -> int:
    """The cores this process may run on: its affinity (a container pinned to one CPU says one), within its CPU quota
    (a container given one CPU's time: a child would only share that time with its parent)."""
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # no affinity on this platform
        affinity = os.cpu_count() or 1
    quota = _quota()
    return min(affinity, quota) if quota is not None else affinity


def _quota() -> int | None:
    """The cores' worth of CPU time the process's cgroup allows, rounded up; None where it sets no limit."""
    v2, v1 = CPU_QUOTAS
    try:
        if v2.exists():
            limit, period = v2.read_text().split()[:2]
        else:
            limit, period = v1.read_text().strip(), v1.with_name("cpu.cfs_period_us").read_text().strip()
        if limit in ("max", "-1"):
            return None
        return max(1, math.ceil(int(limit) / int(period)))
    except (OSError, ValueError, ZeroDivisionError):  # no CPU controller, or a file not as the kernel writes it
        return None


def alone() -> bool:
    """Whether the process runs no thread but this one: a fork copies only the caller's, and a lock another thread
    held stays held in the child."""
    return threading.active_count() == 1


class Pending(Generic[T]):
    """A job's result, computed in the process when `result` is first asked for."""

    def __init__(self, job: Callable[[], T]) -> None:
        self._job = job

    def result(self) -> T:
        return self._job()

    def close(self) -> None:
        """Give up the job if it still runs (the work it was beside failed)."""


class Forked(Pending[T]):
    """A job running in a forked child; the same job run in the process if the child fails."""

    def __init__(self, job: Callable[[], T], pid: int, reading: int, timeout: float) -> None:
        super().__init__(job)
        self.pid = pid
        self._running = True
        self._reading = reading
        self._timeout = timeout

    def result(self) -> T:
        try:
            kind, value = self._received()
        except Exception as exc:  # a child gone, silent or garbled: each only costs the run here
            kind, value = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            self.close()
        if kind == "value":
            return cast(T, value)
        log.warning("a side job failed in its child process (%s): running it here instead", value)
        return self._job()

    def close(self) -> None:
        if not self._running:
            return
        self._running = False
        with contextlib.suppress(OSError):
            os.close(self._reading)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)  # it has sent all it will, or is given up: never left running
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)

    def _received(self) -> tuple[str, object]:
        chunks = []
        waiting = select.poll()  # not select(): a descriptor numbered past 1024 is refused there
        waiting.register(self._reading, select.POLLIN)
        while True:
            if not waiting.poll(self._timeout * 1000):
                raise TimeoutError(f"nothing in {self._timeout:g} s")
            chunk = os.read(self._reading, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        if not chunks:
            raise EOFError("it ended without a result")
        kind, value = pickle.loads(b"".join(chunks))
        return kind, value


def beside(function: Callable[..., T], *args: object, timeout: float = TIMEOUT) -> Pending[T]:
    """`function(*args)` started in a forked child when the process may fork and has a core to spare, else left to
    run in the process when its result is wanted."""

    def job() -> T:
        return function(*args)

    if not sys.platform.startswith("linux") or cores() < 2 or not alone():
        return Pending(job)
    parent = os.getpid()
    reading, writing = os.pipe()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
    try:
        pid = os.fork()
    except OSError as exc:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(reading)
        os.close(writing)
        log.warning("no child process for a side job (%s): running it here", exc)
        return Pending(job)
    if pid == 0:  # the child: never returns into the caller's code
        _run_child(job, reading, writing, held, parent)
    os.close(writing)  # the child holds the only writing end: its exit, however it comes, ends the parent's read
    pending = Forked(job, pid, reading, timeout)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # an interrupt that came meanwhile is raised here
    except BaseException:
        pending.close()
        raise
    return pending


def _run_child(job: Callable[[], object], reading: int, writing: int, held: Iterable[int], parent: int) -> None:
    """In the child: run the job, send its result (or what failed), and exit without running the parent's exit
    handlers or flushing its buffers; an interrupt only ends it."""
    status = 0
    try:
        os.close(reading)
        _die_with_parent(parent)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        try:
            sent: tuple[str, object] = ("value", job())
        except BaseException as exc:  # reported: the parent runs the job itself
            sent = ("failed", f"{type(exc).__name__}: {exc}")
        with os.fdopen(writing, "wb") as out:
            out.write(pickle.dumps(sent, protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:
        status = 1
    finally:
        os._exit(status)


def _die_with_parent(parent: int) -> None:
    """Where Linux offers it, end with the parent: a parent killed while its child works leaves no orphan, nor one
    killed before the child could ask (its job is then not started)."""
    import ctypes  # here: only a child needs it

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        raise ChildProcessError(f"its parent {parent} ended before it started")
