"""The process's memory while the engine builds: a build makes and drops hundreds of arrays of megabytes, which the
kernel and the C library would otherwise keep handing out and taking back page by page, and millions of objects the
garbage collector would look at again and again. `while_building()` wraps a build; `release_free_memory()` after it
hands back what the build freed. The reasons are here; the figures that showed them worth it are in bench/README.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys
from collections.abc import Callable, Iterator
from functools import cache

from bot.garbage import collected_after


@contextlib.contextmanager
def while_building() -> Iterator[None]:
    """Numpy's arrays on ordinary pages, freed memory kept for the next arrays, and no automatic garbage collection
    (one pass over the build's own objects after)."""
    with _small_pages(), _freed_memory_kept(), collected_after():
        yield


def _hugepage_switch() -> Callable[[bool], bool] | None:
    """numpy's switch for asking the kernel for huge pages, or None.

    numpy offers it only as this private function, or as NUMPY_MADVISE_HUGEPAGE, read once at import for the whole
    process: the function lets a build alone go without huge pages. Looked up, not imported, so a numpy that moves
    or drops it still builds, as it would without the switch.
    """
    try:
        from numpy._core import multiarray
    except ImportError:
        return None
    switch: Callable[[bool], bool] | None = getattr(multiarray, "_set_madvise_hugepage", None)
    return switch


@contextlib.contextmanager
def _small_pages() -> Iterator[None]:
    """Numpy's big arrays on ordinary pages while a build runs.

    numpy asks the kernel for transparent huge pages for every array of 4 MB or more; a build makes and drops
    hundreds of such temporaries, and where the kernel compacts memory to find a huge page on first touch, that
    costs a large share of the build (bench/README.md). A numpy without the switch builds as it is.
    """
    switch = _hugepage_switch()
    if switch is None:
        yield
        return
    previous = switch(False)
    try:
        yield
    finally:
        switch(previous)


# glibc's mallopt parameters. Its own thresholds grow to these "after" values once a block of 32 MB is freed (as
# in any build of more than a few thousand cards): a build sets the mmap threshold there and leaves it, and sets
# the trim threshold back there.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
TRIM_THRESHOLD_AFTER = 2 * MMAP_THRESHOLD_MAX
TRIM_THRESHOLD_DURING = 1 << 30


@cache
def _glibc(function: str) -> Callable[..., int] | None:
    """A function of glibc's malloc, or None where the C library is another."""
    name = ctypes.util.find_library("c")
    if not name or sys.platform != "linux":
        return None
    try:
        found: Callable[..., int] = getattr(ctypes.CDLL(name), function)
        return found
    except (OSError, AttributeError):
        return None  # not glibc


@contextlib.contextmanager
def _freed_memory_kept() -> Iterator[None]:
    """The memory a build frees kept for its next arrays rather than handed back to the kernel at once.

    glibc hands a freed block back when it is large (beyond a threshold that grows to 32 MB) or at the top of its
    heap; a build makes and drops hundreds of arrays of megabytes, and the kernel zeroed each new one again page by
    page, a page fault each (bench/README.md). `release_free_memory` hands it back after the build.
    """
    mallopt = _glibc("mallopt")
    if mallopt is None:
        yield
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX)
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_DURING)
    try:
        yield
    finally:
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_AFTER)


def release_free_memory() -> None:
    """Hand the memory a build freed back to the system.

    glibc keeps freed memory in its heap, hundreds of megabytes after a large build, so a long-running bot would
    otherwise stay at the build's peak.
    """
    trim = _glibc("malloc_trim")
    if trim is not None:
        trim(0)
