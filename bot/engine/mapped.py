"""An index entry's large arrays kept beside its pickle in one raw file, mapped rather than read back.

At 10,000 cards the index's arrays are 80 MB of an 89 MB entry: read back, a start copied every byte into memory
before its first answer. Mapped, a start reads none of them and only the pages the questions touch become resident
(clean pages of the file, which the kernel can take back and read again). The pickle names each array by the file's
random token, its offset, dtype and shape; the file begins with a header that repeats the token and its own size.

What keeps this as safe as the pickle it stands beside (`cache.py`): the file is opened only as a regular file, no
larger than its entry may be; only plain numeric dtypes are made, and only within the file's bytes, so a planted
pickle cannot make an array larger than the file nor read past it; a file whose header does not name the pickle's
token (replaced, or another write's) or its own size (cut short) is refused, which costs a rebuild and a warning.
A mapped file is never written again: a write makes a file of a new token beside it and renames it into place,
and an old one is only unlinked, which leaves the pages an engine maps as they were (Linux, macOS). Where the file
system cannot map a file, its arrays are read into memory instead, under the same checks.
"""

from __future__ import annotations

import logging
import math
import mmap
import os
import pickle
import re
import secrets
import stat
from pathlib import Path
from typing import IO

import numpy as np

SUFFIX = ".arrays"
MAGIC = b"faqbot arrays 1\n"
TOKEN_BYTES = 16
ALIGN = 64  # each array starts at a multiple of this: aligned for numpy, as an array it allocates would be
HEADER_BYTES = ALIGN  # the magic, the token and the file's size, padded
MAPPED_MIN_BYTES = 1 << 16  # a smaller array stays in the pickle: mapping it would save less than a page
# Plain numbers only, little-endian as the machines the bot runs on: no object arrays, nothing that calls code.
DTYPES = frozenset({"|b1", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f4", "<f8"})
TOKEN = re.compile(r"[0-9a-f]{32}")
READ_CHUNK = 1 << 24  # bytes read at a time where a file cannot be mapped

log = logging.getLogger(__name__)


def arrays_path(entry: Path, token: str) -> Path:
    """The arrays file of the entry at `entry` written with `token`."""
    return entry.with_name(f"{entry.stem}-{token}{SUFFIX}")


class Pickler(pickle.Pickler):
    """Pickles an entry with its large arrays left out, each named by where it will lie in the arrays file
    (`arrays`, in that order, for `write`)."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.token = secrets.token_hex(TOKEN_BYTES)
        self.arrays: list[np.ndarray] = []
        self._size = HEADER_BYTES
        self._named: dict[int, tuple[str, int, str, tuple[int, ...]]] = {}  # an array held twice is kept once

    def persistent_id(self, obj: object) -> tuple[str, int, str, tuple[int, ...]] | None:
        if type(obj) is not np.ndarray:
            return None
        if obj.nbytes < MAPPED_MIN_BYTES or obj.dtype.str not in DTYPES or not obj.flags.c_contiguous:
            return None
        named = self._named.get(id(obj))
        if named is None:
            named = self._named[id(obj)] = (self.token, self._size, obj.dtype.str, obj.shape)
            self.arrays.append(obj)
            self._size = _aligned(self._size + obj.nbytes)
        return named


def write(file: IO[bytes], token: str, arrays: list[np.ndarray]) -> None:
    """The arrays file of a `Pickler`'s `token` and `arrays`, written straight from the arrays' memory."""
    size = HEADER_BYTES + sum(_aligned(array.nbytes) for array in arrays)
    header = MAGIC + bytes.fromhex(token) + size.to_bytes(8, "little")
    file.write(header.ljust(HEADER_BYTES, b"\0"))
    for array in arrays:
        file.write(array.data.cast("B"))
        file.write(b"\0" * (_aligned(array.nbytes) - array.nbytes))


class Mapped:
    """The arrays file beside one entry, mapped on the first array its pickle names (`load`); any fault in it raises
    (OSError, ValueError, or `too_large` for a file over `limit` bytes), which costs the caller a rebuild."""

    def __init__(self, entry: Path, limit: int, too_large: type[Exception]) -> None:
        self._entry = entry
        self._limit = limit
        self._too_large = too_large
        self._token: str | None = None
        self._map: mmap.mmap | memoryview | None = None

    def load(self, pid: object) -> np.ndarray:
        """The array `pid` names (the token, offset, dtype and shape a `Pickler` gave it), a read-only view of the
        mapped file."""
        if not (isinstance(pid, tuple) and len(pid) == 4):
            raise pickle.UnpicklingError("not an array kept beside the entry")
        token, offset, dtype, shape = pid
        if not (
            isinstance(token, str)
            and TOKEN.fullmatch(token)
            and type(offset) is int
            and dtype in DTYPES
            and isinstance(shape, tuple)
            and all(type(length) is int and length >= 0 for length in shape)
        ):
            raise pickle.UnpicklingError(f"not an array kept beside the entry: {pid!r}"[:200])
        mapped = self._mapped(token)
        count = math.prod(shape)
        itemsize = np.dtype(dtype).itemsize
        if offset < HEADER_BYTES or offset % ALIGN or offset + count * itemsize > len(mapped):
            raise pickle.UnpicklingError("an array lies outside the arrays file")
        return np.frombuffer(mapped, dtype=np.dtype(dtype), count=count, offset=offset).reshape(shape)

    def _mapped(self, token: str) -> mmap.mmap | memoryview:
        if self._map is not None:
            if token != self._token:
                raise pickle.UnpicklingError("the entry names two arrays files")
            return self._map
        path = arrays_path(self._entry, token)
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            info = os.fstat(handle)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(f"{path.name} is not a regular file")
            if info.st_size > self._limit:
                raise self._too_large
            header = os.pread(handle, HEADER_BYTES, 0)
            expected = MAGIC + bytes.fromhex(token) + info.st_size.to_bytes(8, "little")
            if header[: len(expected)] != expected:
                raise ValueError(f"{path.name} is not the arrays file its entry was written with (or was cut short)")
            try:
                self._map = mmap.mmap(handle, info.st_size, access=mmap.ACCESS_READ)  # stays when the handle closes
            except OSError as exc:
                log.warning("%s cannot be mapped (%s): its arrays are read into memory", path.name, exc)
                self._map = _read(handle, info.st_size, expected)
        finally:
            os.close(handle)
        self._token = token
        return self._map


def _read(handle: int, size: int, header: bytes) -> memoryview:
    """The whole file, read-only as a mapped one is; refused when it is cut short or replaced while it is read."""
    data = bytearray(size)
    view = memoryview(data)
    done = 0
    while done < size:
        chunk = os.pread(handle, min(READ_CHUNK, size - done), done)
        if not chunk:
            raise ValueError("the arrays file was cut short while it was read")
        view[done : done + len(chunk)] = chunk
        done += len(chunk)
    if view[: len(header)] != header:
        raise ValueError("the arrays file was replaced while it was read")
    return view.toreadonly()


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN
