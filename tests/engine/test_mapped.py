"""The index cache's arrays kept beside an entry and mapped: the same answers, and a damaged file only costs a build."""

import errno
import logging
import mmap
import os
import pickle
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from bot.cards import KnowledgeBase
from bot.engine import Engine, cache, mapped
from bot.engine.cache import cached
from bot.engine.index import SparseIndex


@pytest.fixture(autouse=True)
def every_array_mapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test bases' arrays are small: here each one goes to the arrays file, as a large base's do."""
    monkeypatch.setattr(mapped, "MAPPED_MIN_BYTES", 1)


class Builds:
    """A build that counts its calls and makes a small index."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> SparseIndex:
        self.calls += 1
        return SparseIndex([{"reset": 1.0, "password": 2.0}, {"install": 1.0}, {"password": 1.0}], [0, 1, 2])


def _arrays_files(directory: Path) -> list[Path]:
    cache.flush()
    return sorted(directory.glob(f"*{mapped.SUFFIX}"))


def _memory_of(array: np.ndarray) -> object:
    """What the array's memory is: an array's own, or the buffer it views."""
    base = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base


def _maps_a_file(array: np.ndarray) -> bool:
    memory = _memory_of(array)
    return isinstance(memory, memoryview) and isinstance(memory.obj, mmap.mmap)


def test_a_read_back_engine_maps_its_arrays_and_answers_as_its_build(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    built = Engine(knowledge, cache_dir=tmp_path)
    assert len(_arrays_files(tmp_path)) == 1
    read_back = Engine(knowledge, cache_dir=tmp_path)
    index = read_back.index.phrase_chars
    assert _maps_a_file(index.rows)
    assert not index.rows.flags.writeable  # a mapped file is never written through
    questions = ["how do i install pyhton", "any tournamnet soon??", "what's the weather like today", "who owns it"]
    for question in questions:
        assert read_back.answer(question) == built.answer(question)
        assert read_back.rank(question, limit=5) == built.rank(question, limit=5)


def test_arrays_are_kept_beside_the_pickle_not_in_it(tmp_path: Path) -> None:
    cached(tmp_path, "index", ["cards"], Builds())
    [arrays] = _arrays_files(tmp_path)
    [entry] = tmp_path.glob("*.pickle")
    assert arrays.name.startswith(entry.stem + "-")
    value = cached(tmp_path, "index", ["cards"], Builds())
    assert _maps_a_file(value.norms)
    np.testing.assert_array_equal(value.scores({"password": 1.0}), Builds()().scores({"password": 1.0}))


def _unmappable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system that cannot map a file (mmap fails with ENODEV)."""

    def refuse(*args: object, **kwargs: object) -> mmap.mmap:
        raise OSError(errno.ENODEV, "No such device")

    monkeypatch.setattr(mapped, "mmap", SimpleNamespace(mmap=refuse, ACCESS_READ=mmap.ACCESS_READ))


def test_arrays_that_cannot_be_mapped_are_read_into_memory(
    knowledge: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    built = Engine(knowledge, cache_dir=tmp_path)
    cache.flush()
    _unmappable(monkeypatch)
    with caplog.at_level(logging.WARNING):
        read_back = Engine(knowledge, cache_dir=tmp_path)
    assert "read into memory" in caplog.text
    assert "building the index" not in caplog.text
    rows = read_back.index.phrase_chars.rows
    assert not _maps_a_file(rows)
    assert isinstance(_memory_of(rows), memoryview)  # the bytes read, not a build's own array
    assert not rows.flags.writeable
    for question in ["how do i install pyhton", "any tournamnet soon??", "who owns it"]:
        assert read_back.rank(question, limit=5) == built.rank(question, limit=5)


@pytest.mark.parametrize("damage", ["cut short", "replaced"])
def test_arrays_read_into_memory_are_checked_as_mapped_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    build = Builds()
    cached(tmp_path, "index", ["cards"], build)
    _damaged(tmp_path, damage)
    _unmappable(monkeypatch)
    with caplog.at_level(logging.WARNING):
        value = cached(tmp_path, "index", ["cards"], build)
    assert build.calls == 2
    assert "building the index" in caplog.text
    np.testing.assert_array_equal(value.scores({"password": 1.0}), Builds()().scores({"password": 1.0}))


@pytest.mark.parametrize("change", ["cut short", "replaced"])
def test_a_file_that_changes_while_it_is_read_is_refused(tmp_path: Path, change: str) -> None:
    header = mapped.MAGIC + bytes(mapped.TOKEN_BYTES) + (256).to_bytes(8, "little")
    path = tmp_path / "arrays"
    path.write_bytes(header.ljust(256, b"\0") if change == "replaced" else header.ljust(100, b"\0"))
    handle = os.open(path, os.O_RDONLY)
    try:
        with pytest.raises(ValueError, match=change):
            mapped._read(handle, 256, header if change == "cut short" else header.replace(b"arrays", b"arrayz"))
    finally:
        os.close(handle)


def _damaged(tmp_path: Path, damage: str) -> None:
    [arrays] = _arrays_files(tmp_path)
    if damage == "cut short":
        arrays.write_bytes(arrays.read_bytes()[: mapped.HEADER_BYTES + 8])
    elif damage == "header cut":
        arrays.write_bytes(arrays.read_bytes()[:10])
    elif damage == "replaced":  # another write's file under this name: its header names another token
        data = bytearray(arrays.read_bytes())
        data[len(mapped.MAGIC)] ^= 0xFF
        arrays.write_bytes(bytes(data))
    elif damage == "missing":
        arrays.unlink()
    elif damage == "a folder":
        arrays.unlink()
        arrays.mkdir()


@pytest.mark.parametrize("damage", ["cut short", "header cut", "replaced", "missing", "a folder"])
def test_a_damaged_arrays_file_costs_a_build_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    build = Builds()
    cached(tmp_path, "index", ["cards"], build)
    _damaged(tmp_path, damage)
    with caplog.at_level(logging.WARNING):
        value = cached(tmp_path, "index", ["cards"], build)
    assert build.calls == 2
    assert value.features == {"reset": 0, "password": 1, "install": 2}
    assert "building the index" in caplog.text
    again = cached(tmp_path, "index", ["cards"], build)  # the build was written back, with a new arrays file
    assert build.calls == 2
    np.testing.assert_array_equal(again.norms, value.norms)


def _planted(tmp_path: Path, pid: object) -> None:
    """The entry replaced by a pickle of one array named `pid`, as a planted file may hold."""

    class Naming(pickle.Pickler):
        def persistent_id(self, obj: object) -> object:
            return pid if isinstance(obj, np.ndarray) else None

    [entry] = tmp_path.glob("*.pickle")
    with entry.open("wb") as file:
        Naming(file, protocol=pickle.HIGHEST_PROTOCOL).dump(np.zeros(1))


@pytest.mark.parametrize(
    "where",
    [
        lambda token, size: (token, mapped.HEADER_BYTES, "<f8", (size,)),  # past the end of the file
        lambda token, size: (token, 1 << 40, "<f8", (1,)),
        lambda token, size: (token, mapped.HEADER_BYTES, "|O", (1,)),  # objects: not numbers
        lambda token, size: (token, mapped.HEADER_BYTES, "<f8", (-1,)),
        lambda token, size: ("../" + token, mapped.HEADER_BYTES, "<f8", (1,)),
        lambda token, size: (token, mapped.HEADER_BYTES + 1, "<u2", (1,)),  # not aligned
    ],
    ids=["past-the-end", "far-offset", "object-dtype", "negative-shape", "path-in-token", "unaligned"],
)
def test_a_planted_entry_cannot_name_an_array_outside_its_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, where: object
) -> None:
    build = Builds()
    cached(tmp_path, "index", ["cards"], build)
    [arrays] = _arrays_files(tmp_path)
    token = arrays.stem.rsplit("-", 1)[1]
    _planted(tmp_path, where(token, arrays.stat().st_size))  # type: ignore[operator]
    with caplog.at_level(logging.WARNING):
        value = cached(tmp_path, "index", ["cards"], build)
    assert isinstance(value, SparseIndex)
    assert build.calls == 2
    assert "damaged" in caplog.text


def test_an_arrays_file_larger_than_the_key_allows_is_not_mapped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    build = Builds()
    cached(tmp_path, "index", ["cards"], build)
    [arrays] = _arrays_files(tmp_path)
    with arrays.open("ab") as file:
        file.write(b"\0" * (cache.MIN_ENTRY_BYTES + 1))
    with caplog.at_level(logging.WARNING):
        cached(tmp_path, "index", ["cards"], build)
    assert build.calls == 2
    assert "larger than its cards allow" in caplog.text


def test_a_new_write_never_changes_a_file_an_engine_maps(tmp_path: Path) -> None:
    build = Builds()
    cached(tmp_path, "index", ["cards"], build)
    serving = cached(tmp_path, "index", ["cards"], build)  # mapped
    before = serving.scores({"password": 1.0, "reset": 1.0}).copy()
    [entry] = tmp_path.glob("*.pickle")
    [old_arrays] = _arrays_files(tmp_path)
    entry.write_bytes(b"damaged")  # the next read rebuilds and writes the entry again
    cached(tmp_path, "index", ["cards"], build)
    [new_arrays] = _arrays_files(tmp_path)
    assert build.calls == 2
    assert new_arrays != old_arrays  # a new file, the old one unlinked rather than written over
    np.testing.assert_array_equal(serving.scores({"password": 1.0, "reset": 1.0}), before)


def test_pruned_entries_take_their_arrays_files_with_them(tmp_path: Path) -> None:
    for version in range(cache.KEEP + 2):
        cached(tmp_path, "index", [f"cards v{version}"], Builds())
        cache.flush()
        for path in tmp_path.iterdir():  # make the order of writes visible to a coarse clock
            stat = path.stat()
            os.utime(path, (stat.st_mtime - 1, stat.st_mtime - 1))
    entries = {path.stem for path in tmp_path.glob("*.pickle")}
    owners = {path.stem.rsplit("-", 1)[0] for path in _arrays_files(tmp_path)}
    assert len(entries) == cache.KEEP
    assert owners == entries


def test_an_arrays_file_of_no_entry_is_left_to_its_writer_until_stale(tmp_path: Path) -> None:
    orphan = tmp_path / f"index-{'0' * 40}-{'1' * 32}{mapped.SUFFIX}"
    orphan.write_bytes(b"another process writes its entry next")
    stale = tmp_path / f"index-{'2' * 40}-{'3' * 32}{mapped.SUFFIX}"
    stale.write_bytes(b"left by a process killed before its entry")
    hours_ago = stale.stat().st_mtime - 2 * cache.STALE_TEMPORARY
    os.utime(stale, (hours_ago, hours_ago))
    cached(tmp_path, "index", ["cards"], Builds())
    cache.flush()
    assert orphan.exists()
    assert not stale.exists()
