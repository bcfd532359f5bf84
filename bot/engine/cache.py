"""Keep a built index on disk, keyed by everything it was built from: a restart on unchanged cards skips the build.

An entry is a pickle of engine objects and numpy arrays, named by a hash of the inputs, the source of the modules
that build it and the library versions, so a change to any of them misses rather than reading a stale index. Its
large arrays lie beside it in a raw file of their own, mapped rather than read when the entry is (`mapped.py`). A
cache file can only rebuild such objects (a restricted unpickler), not call arbitrary code, and is read only when it
is a regular file no larger than its key allows: every object the unpickler may make costs memory and time in
proportion to the bytes that describe it, so a planted file can neither hang the load nor fill the memory. Nothing
here can stop the bot: a missing or read-only folder, or a corrupt, oversized or unreadable file, costs a rebuild and
a warning.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import os
import pickle
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, TypeVar

import numpy as np

from bot.engine import mapped
from bot.engine.build_memory import release_free_memory, while_building

log = logging.getLogger(__name__)

T = TypeVar("T")

FORMAT = 1  # bump when the layout of a stored entry changes in a way the key does not capture
KEEP = 4  # entries of one name kept: a few knowledge bases (or versions of one) served from the same folder
SUFFIX = ".pickle"
MISS = object()
_writers: list[threading.Thread] = []  # entries still being written
_writers_lock = threading.Lock()  # builds run in more than one thread (the card watcher, an admin's reload)
STALE_TEMPORARY = 3600  # seconds: a temporary file this old was left by a process killed while writing
ENGINE_PACKAGE = "bot.engine."
# What an entry's pickle calls besides the engine's own classes (protocol 5 writes arrays as buffers, sets with
# opcodes). Nothing that makes a large object from a small argument, as bytearray(10**12) or an empty array of a
# given shape would.
NUMPY_GLOBALS = frozenset({"_frombuffer", "dtype"})
SAFE_COLLECTIONS = frozenset({"Counter"})
MIN_ENTRY_BYTES = 1 << 20
# An entry is read this much at a time (and an array's bytes at once): between two reads the unpickler holds the GIL,
# about 13 ms a megabyte, and a reload reads the entry in a thread while the event loop waits for the GIL.
READ_BUFFER = 1 << 18
PICKLED_SLICE = 1_000  # items of a long list pickled in one call: each call holds the GIL
ENTRY_BYTES_PER_KEY_BYTE = 64  # several times what a build takes for each byte of what it is built from


def source_digest(*modules: ModuleType) -> str:
    """A hash of the modules' source: entries built by other code are never read."""
    digest = hashlib.blake2b(digest_size=16)
    for module in modules:
        digest.update(module.__name__.encode())
        digest.update(Path(module.__file__ or "").read_bytes() if module.__file__ else b"")
    return digest.hexdigest()


def package_digest(folder: Path) -> str:
    """A hash of a package's files (its modules and the data they read, such as `offtopic.txt`), by name."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in (".py", ".txt"):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def pickled(value: object) -> bytes:
    """`value` as pickle bytes without a memo: a key of plain strings and tuples, each written as it is (a memo
    entry for each of tens of thousands of strings took twice the time). `value` must not refer to itself.

    A long list is written as the pickles of its slices one after the other (a pickle ends where it stops, so the
    bytes still tell every list apart): one call for a whole list of 10,000 cards' fields held the GIL for 15 ms.
    """
    if isinstance(value, list) and len(value) > PICKLED_SLICE:
        return b"".join(pickled(value[start : start + PICKLED_SLICE]) for start in range(0, len(value), PICKLED_SLICE))
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return buffer.getvalue()


@dataclass(frozen=True)
class Apart:
    """An entry pickled with its large arrays left out, to be written to the arrays file of `token` (`mapped.py`)."""

    blob: bytes
    token: str
    arrays: list[np.ndarray]


def pickled_apart(value: object) -> bytes | Apart:
    """`value` pickled as `pickled` does (no memo), its large arrays named rather than copied into the pickle (the
    bytes alone when it has none)."""
    buffer = io.BytesIO()
    pickler = mapped.Pickler(buffer)
    pickler.fast = True
    pickler.dump(value)
    return Apart(buffer.getvalue(), pickler.token, pickler.arrays) if pickler.arrays else buffer.getvalue()


def cached(
    directory: Path | None, name: str, key: Iterable[str | bytes], build: Callable[[], T], extra_bytes: int = 0
) -> T:
    """The object `build()` makes, read from `directory` when an entry for `key` is there, else built and stored.

    A fresh build is returned as it was made, not read back from its bytes: the copy cost much time and saved little
    memory (bench/README.md). An entry read back maps its large arrays (`mapped.py`). `directory=None` turns the
    cache off. An entry (with its arrays file) is read only up to ENTRY_BYTES_PER_KEY_BYTE for each byte of the key,
    plus `extra_bytes` for a part of the build whose size the key does not tell (and MIN_ENTRY_BYTES).
    """
    parts = [part.encode() if isinstance(part, str) else part for part in key]
    path = entry_path(directory, name, parts) if directory is not None else None
    if path is not None:
        flush()  # an entry this process is still writing is read once it is whole
        limit = MIN_ENTRY_BYTES + ENTRY_BYTES_PER_KEY_BYTE * sum(map(len, parts)) + extra_bytes
        value = read_entry(path, limit)
        if value is not MISS:
            return value  # type: ignore[return-value]
    with while_building():
        value = build()
    if path is not None:
        store_entry(path, value, pickled_apart)
    release_free_memory()
    return value


def entry_path(directory: Path, name: str, key: Iterable[bytes]) -> Path:
    """Where the entry of `name` for `key` is kept in `directory`."""
    return directory / f"{name}-{_digest(key)}{SUFFIX}"


def store_entry(path: Path, value: object, pickler: Callable[[object], bytes | Apart] = pickled) -> None:
    """Pickle the entry here (with `pickler`; its arrays apart from it with `pickled_apart`) and write it from a
    thread, so the engine answers while the kernel takes the bytes, tens of megabytes for a large base. The thread is
    not a daemon: the interpreter waits for it before exiting, so a short run (`bot ask`) still leaves its entry."""
    try:
        blob = pickler(value)
    except Exception as exc:  # an entry that cannot be stored only costs the next start a build
        log.warning("index not cached (%s: %s): the next start builds it again", type(exc).__name__, exc)
        return
    writer = threading.Thread(target=_write, args=(path, blob), name="index-cache-writer")
    try:
        writer.start()
    except RuntimeError:  # no thread to be had (at the system's limit, or at interpreter shutdown): write it here
        _write(path, blob)
        return
    with _writers_lock:
        _writers.append(writer)


def in_background(task: Callable[[], None], name: str) -> None:
    """`task`, which makes and stores entries, on a thread of its own that `flush` waits for as for an entry being
    written (here, when no thread can be had)."""
    thread = threading.Thread(target=task, name=name)
    with _writers_lock:
        try:
            thread.start()
            started = True
        except RuntimeError:  # no thread to be had (at the system's limit, or at interpreter shutdown)
            started = False
        else:
            _writers.append(thread)
    if not started:
        task()


def flush() -> None:
    """Wait until the entries being written are in place: for a caller about to read the folder itself. A task of
    `in_background` may start a writer of its own: waited for too."""
    while True:
        with _writers_lock:
            _writers[:] = [writer for writer in _writers if writer.is_alive()]
            pending = [writer for writer in _writers if writer is not threading.current_thread()]
        if not pending:
            return
        for writer in pending:
            writer.join()


def _digest(key: Iterable[bytes]) -> str:
    digest = hashlib.blake2b(digest_size=20)
    environment = (FORMAT, sys.version_info[:2], np.__version__, pickle.HIGHEST_PROTOCOL)
    for data in (repr(environment).encode(), *key):
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def read_entry(path: Path, limit: int, unpickler: type[Unpickler] | None = None) -> object:
    """The stored object, or MISS; `unpickler`: an `Unpickler` that allows more classes. Only a regular file (not a
    FIFO, which would block, nor a link, which this module never writes) of at most `limit` bytes is read, and it is
    unpickled as it is read: its bytes are never all in memory beside the objects they make, which lowers the peak
    (bench/README.md). The arrays file it names is mapped, within what is left of `limit`."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return MISS
    except OSError as exc:
        log.warning("index cache %s unreadable (%s): building the index", path, exc)
        return MISS
    with os.fdopen(handle, "rb", buffering=0) as file:
        try:
            info = os.fstat(handle)
            if not stat.S_ISREG(info.st_mode):
                raise OSError("not a regular file")
            if info.st_size > limit:
                raise _TooLargeError
            arrays = mapped.Mapped(path, limit - info.st_size, _TooLargeError)
            reader = io.BufferedReader(_Limited(file, limit), READ_BUFFER)
            value = (unpickler or Unpickler)(reader, arrays).load()
        except _TooLargeError:  # also when it grew while it was read
            log.warning("index cache %s is larger than its cards allow (%d bytes): building the index", path, limit)
            return MISS
        except OSError as exc:
            log.warning("index cache %s unreadable (%s): building the index", path, exc)
            return MISS
        except Exception as exc:  # a damaged pickle can fail in many ways; each only means a rebuild
            log.warning("index cache %s is damaged (%s: %s): building the index again", path, type(exc).__name__, exc)
            return MISS
    with contextlib.suppress(OSError):
        os.utime(path)  # most recently used: the last to be pruned
    return value


class _TooLargeError(Exception):
    """An entry is larger than its key allows."""


class _Limited(io.RawIOBase):
    """A file that reads as far as `limit` bytes and fails beyond: what the unpickler reads stays bounded."""

    def __init__(self, file: io.RawIOBase, limit: int) -> None:
        super().__init__()
        self._file = file
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = self._file.readinto(memoryview(buffer)[: self._left + 1]) or 0
        if count > self._left:
            raise _TooLargeError
        self._left -= count
        return count


def _write(path: Path, entry: bytes | Apart) -> None:
    """Write to a temporary file and rename it into place, so a reader never sees half an entry; an entry's arrays
    file first, under a name of its own token, so the entry never names a file not yet whole, nor one a reader maps."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = None
        if isinstance(entry, Apart):
            arrays = mapped.arrays_path(path, entry.token)
            _replace(arrays, functools.partial(mapped.write, token=entry.token, arrays=entry.arrays))
        blob = entry.blob if isinstance(entry, Apart) else entry
        _replace(path, lambda file: file.write(blob))
    except OSError as exc:
        log.warning("index cache not written to %s (%s): the next start builds the index again", path.parent, exc)
        return
    _prune(path, arrays)


def _replace(path: Path, write: Callable[[io.BufferedWriter], object]) -> None:
    """`path` written whole by `write` to a temporary file, then renamed into place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _prune(kept: Path, arrays: Path | None = None) -> None:
    """Delete all but the KEEP most recently used entries of the same name with their arrays files, the arrays files
    of earlier writes of `kept` (whose own is `arrays`), and stale temporary files. A file an engine maps is only
    unlinked: its pages stay until the engine is gone. An arrays file of no entry may be another process's write
    under way: deleted once stale."""
    name = kept.name.rsplit("-", 1)[0]
    try:
        entries = sorted(kept.parent.glob(f"{name}-*{SUFFIX}"), key=lambda entry: entry.stat().st_mtime, reverse=True)
        pruned = {entry.stem for entry in entries[KEEP:] if entry != kept}
        for entry in entries[KEEP:]:
            if entry != kept:
                entry.unlink(missing_ok=True)
        known = {entry.stem for entry in entries}
        stale = time.time() - STALE_TEMPORARY
        for other in kept.parent.glob(f"{name}-*{mapped.SUFFIX}"):
            owner = other.stem.rsplit("-", 1)[0]
            if (
                owner in pruned
                or (owner == kept.stem and other != arrays)
                or (owner not in known and _older(other, stale))
            ):
                other.unlink(missing_ok=True)
        for temporary in kept.parent.glob(f".{name}-*.tmp"):
            if _older(temporary, stale):
                temporary.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("index cache not pruned: %s", exc)


def _older(path: Path, than: float) -> bool:
    return path.stat().st_mtime < than


class Unpickler(pickle.Unpickler):
    """Rebuilds only engine classes, numpy arrays and counters (and a subclass's `ALSO`, module and name): a planted
    file cannot run code, nor make more than its bytes describe."""

    ALSO: frozenset[tuple[str, str]] = frozenset()

    def __init__(self, file: IO[bytes], arrays: mapped.Mapped | None = None) -> None:
        super().__init__(file)
        self._arrays = arrays

    def persistent_load(self, pid: object) -> object:
        """An array the entry keeps in its arrays file, mapped (`mapped.Mapped`)."""
        if self._arrays is None:
            raise pickle.UnpicklingError("this entry has no arrays file")
        return self._arrays.load(pid)

    def find_class(self, module: str, name: str) -> object:
        found = getattr(sys.modules.get(module), name, None)
        allowed = (
            # A class the engine defines, not one its modules import (pathlib.Path, typing.TypeVar).
            (module.startswith(ENGINE_PACKAGE) and isinstance(found, type) and found.__module__ == module)
            or (module.split(".")[0] == "numpy" and name in NUMPY_GLOBALS)
            or (module == "collections" and name in SAFE_COLLECTIONS)
            or (module, name) in self.ALSO
        )
        if not allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in an index cache")
        if name == "_frombuffer" and callable(found):
            return functools.partial(_with_numpys_dtype, found)
        return super().find_class(module, name)


def _with_numpys_dtype(frombuffer: Callable[..., np.ndarray], buffer: object, dtype: np.dtype, *rest: object) -> object:
    """An array the pickle holds, made with numpy's own instance of its dtype where it is a plain number's.

    Unpickled, a dtype is a copy of its own, which np.add.at does not take for float64 (nor arrays computed from it):
    it then adds through its slow generic loop, thirty times slower (bench/README.md). A mapped array has numpy's."""
    if isinstance(dtype, np.dtype) and dtype.str in mapped.DTYPES:
        dtype = np.dtype(dtype.str)
    return frombuffer(buffer, dtype, *rest)
