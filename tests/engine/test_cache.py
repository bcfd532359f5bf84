import gc
import logging
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from bot.cards import KnowledgeBase, load_knowledge_strict
from bot.cards.model import Card, CardSource
from bot.engine import Engine, build_memory, cache, mapped, matcher
from bot.engine.cache import cached, package_digest, source_digest
from bot.engine.index import SparseIndex
from bot.engine.index_key import cards_key
from bot.engine.vocabulary import Vocabulary
from tests.conftest import FIXTURE_KNOWLEDGE


class Builds:
    """A build that counts its calls and makes a small index, like the engine's."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> SparseIndex:
        self.calls += 1
        return SparseIndex([{"reset": 1.0, "password": 2.0}, {"install": 1.0}], [0, 1])


def _entries(directory: Path) -> list[Path]:
    cache.flush()
    return sorted(directory.glob("*.pickle"))


def test_second_call_reads_the_stored_index(tmp_path: Path) -> None:
    build = Builds()
    first = cached(tmp_path, "index", ["cards v1"], build)
    second = cached(tmp_path, "index", ["cards v1"], build)
    assert build.calls == 1
    assert len(_entries(tmp_path)) == 1
    assert second.features == first.features
    np.testing.assert_array_equal(second.rows, first.rows)
    np.testing.assert_array_equal(second.scores({"password": 1.0}), first.scores({"password": 1.0}))


def test_arrays_read_back_from_the_pickle_have_numpys_own_dtypes(tmp_path: Path) -> None:
    """An unpickled dtype is a copy of its own, for which np.add.at takes its slow generic loop: thirty times slower."""
    cached(tmp_path, "index", ["cards"], Builds())
    read = cached(tmp_path, "index", ["cards"], Builds())
    arrays = {name: value for name, value in vars(read).items() if isinstance(value, np.ndarray)}
    assert all(array.nbytes < mapped.MAPPED_MIN_BYTES for array in arrays.values())  # all of them pickled
    for name, array in arrays.items():
        assert array.dtype is np.dtype(array.dtype.str), name


def test_other_inputs_build_again(tmp_path: Path) -> None:
    build = Builds()
    cached(tmp_path, "index", ["cards v1"], build)
    cached(tmp_path, "index", ["cards v2"], build)
    cached(tmp_path, "index", ["cards", " v1"], build)  # the parts are kept apart, not joined
    assert build.calls == 3


def test_no_folder_builds_every_time(tmp_path: Path) -> None:
    build = Builds()
    cached(None, "index", ["cards"], build)
    value = cached(None, "index", ["cards"], build)
    assert build.calls == 2
    assert isinstance(value, SparseIndex)


def test_damaged_entry_is_rebuilt_and_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    build = Builds()
    cached(tmp_path, "index", ["cards"], build)
    [entry] = _entries(tmp_path)
    entry.write_bytes(entry.read_bytes()[:100])
    with caplog.at_level(logging.WARNING):
        value = cached(tmp_path, "index", ["cards"], build)
    assert build.calls == 2
    assert value.features == {"reset": 0, "password": 1, "install": 2}
    assert "damaged" in caplog.text
    cached(tmp_path, "index", ["cards"], build)
    assert build.calls == 2  # the rebuilt entry was written back


def test_unwritable_folder_still_answers(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    build = Builds()
    with caplog.at_level(logging.WARNING):
        value = cached(blocked, "index", ["cards"], build)
        cache.flush()
    assert isinstance(value, SparseIndex)
    assert "not written" in caplog.text


def test_planted_entry_cannot_run_code(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    marker = tmp_path / "still-here"
    marker.write_text("")

    class Planted:
        def __reduce__(self) -> tuple:
            return os.remove, (str(marker),)

    build = Builds()
    cached(tmp_path, "index", ["cards"], build)
    [entry] = _entries(tmp_path)
    entry.write_bytes(pickle.dumps(Planted()))
    with caplog.at_level(logging.WARNING):
        value = cached(tmp_path, "index", ["cards"], build)
    assert marker.exists()
    assert isinstance(value, SparseIndex)
    assert "posix.remove is not allowed" in caplog.text or "os.remove is not allowed" in caplog.text


class Big:
    """A build whose entry is larger than its key allows."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> np.ndarray:
        self.calls += 1
        return np.zeros(cache.MIN_ENTRY_BYTES + 10_000, dtype=np.uint8)


def test_an_entry_larger_than_its_key_allows_is_not_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    build = Big()
    cached(tmp_path, "index", ["cards"], build)
    _entries(tmp_path)
    with caplog.at_level(logging.WARNING):
        cached(tmp_path, "index", ["cards"], build)
    assert build.calls == 2
    assert [record.message for record in caplog.records if "larger than its cards allow" in record.message]
    cached(tmp_path, "index", ["cards"], build, extra_bytes=cache.MIN_ENTRY_BYTES)  # a part the key does not size
    assert build.calls == 2


def test_a_fifo_in_place_of_an_entry_does_not_block_the_load(tmp_path: Path) -> None:
    build = Builds()
    cached(tmp_path, "index", ["cards"], build)
    [entry] = _entries(tmp_path)
    entry.unlink()
    os.mkfifo(entry)  # opened for reading, it would wait for a writer for ever
    values: list[SparseIndex] = []
    loading = threading.Thread(target=lambda: values.append(cached(tmp_path, "index", ["cards"], build)), daemon=True)
    loading.start()
    loading.join(10)
    assert values, "the load blocked on the FIFO"
    assert build.calls == 2


class Reduced:
    """Pickles as a call of `function` with `args`, as a planted file may."""

    def __init__(self, function: object, *args: object) -> None:
        self.function, self.args = function, args

    def __reduce__(self) -> tuple:
        return self.function, self.args


@pytest.mark.parametrize(
    "planted",
    [
        pickle.dumps(Reduced(bytearray, 100_000_000)),  # 100 MB from a file of 40 bytes
        pickle.dumps(Reduced(np._core.multiarray._reconstruct, np.ndarray, (100_000_000,), b"b")),
        b"cbot.engine.cache\nPath\n(S'/etc/passwd'\ntR.",  # a class an engine module imports, not the engine's
    ],
    ids=["bytearray", "empty-array", "imported-class"],
)
def test_a_planted_entry_cannot_make_what_its_bytes_do_not_hold(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, planted: bytes
) -> None:
    build = Builds()
    cached(tmp_path, "index", ["cards"], build)
    [entry] = _entries(tmp_path)
    entry.write_bytes(planted)
    with caplog.at_level(logging.WARNING):
        value = cached(tmp_path, "index", ["cards"], build)
    assert isinstance(value, SparseIndex)
    assert build.calls == 2
    assert "is not allowed" in caplog.text


def test_old_entries_are_pruned(tmp_path: Path) -> None:
    for version in range(cache.KEEP + 3):
        cached(tmp_path, "index", [f"cards v{version}"], Builds())
        for entry in _entries(tmp_path):  # make the order of writes visible to a coarse clock
            os.utime(entry, (entry.stat().st_mtime - 1, entry.stat().st_mtime - 1))
    assert len(_entries(tmp_path)) == cache.KEEP
    other = Builds()
    cached(tmp_path, "index", [f"cards v{cache.KEEP + 2}"], other)  # the newest is still there
    assert other.calls == 0


def test_an_entry_is_whole_when_the_process_exits_right_after_the_build(tmp_path: Path) -> None:
    # written by a thread: the interpreter waits for it, as a one-question run (`bot ask`) needs
    script = """
import sys, time
from pathlib import Path
from bot.engine import cache
from bot.engine.index import SparseIndex
write = cache._write
cache._write = lambda *args: (time.sleep(0.5), write(*args))  # a slow disk: the build returns long before
cache.cached(Path(sys.argv[1]), "index", ["cards"], lambda: SparseIndex([{"a": 1.0}], [0]))
"""
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=120)
    build = Builds()
    value = cached(tmp_path, "index", ["cards"], build)
    assert build.calls == 0
    assert value.features == {"a": 0}


def test_with_no_thread_to_be_had_the_entry_is_written_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    value = cached(tmp_path, "index", ["cards"], Builds())
    assert isinstance(value, SparseIndex)
    assert len(sorted(tmp_path.glob("*.pickle"))) == 1  # no flush: nothing is pending


def test_temporary_files_a_killed_writer_left_are_pruned(tmp_path: Path) -> None:
    stale, fresh = tmp_path / ".index-old.tmp", tmp_path / ".index-now.tmp"
    for temporary in (stale, fresh):
        temporary.write_bytes(b"half an entry")
    hours_ago = stale.stat().st_mtime - 2 * cache.STALE_TEMPORARY
    os.utime(stale, (hours_ago, hours_ago))
    cached(tmp_path, "index", ["cards"], Builds())
    cache.flush()
    assert not stale.exists()
    assert fresh.exists()  # perhaps another process's write under way


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    cached(tmp_path, "index", ["cards"], Builds())
    [entry] = _entries(tmp_path)
    assert [path.name for path in tmp_path.iterdir()] == [entry.name]


def test_vocabulary_survives_the_cache(tmp_path: Path) -> None:
    def build() -> Vocabulary:
        return Vocabulary(Counter({"password": 3, "llama": 1}), {"pw": "password"})

    cached(tmp_path, "vocabulary", ["cards"], build)
    vocabulary = cached(tmp_path, "vocabulary", ["cards"], build)
    assert vocabulary.correct("pasword") == (("password",), True)
    assert vocabulary.correct("lama") == (("llama",), True)
    assert vocabulary.expand_synonyms("reset my pw") == "reset my password"


def test_source_digest_follows_the_code() -> None:
    assert source_digest(cache) == source_digest(cache)
    assert source_digest(cache) != source_digest(cache, np)


def _answers(engine: Engine, questions: list[str]) -> list[tuple]:
    return [(m.outcome, m.score, m.card and m.card.id, m.suggestions) for m in map(engine.answer, questions)]


def test_engine_reads_its_build_back_until_a_card_changes(
    knowledge: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = []
    build = matcher.build_index
    # Only builds of the whole knowledge base count: calibrating builds engines on parts of it, inside the build.
    whole = len(knowledge.cards)
    monkeypatch.setattr(
        matcher, "build_index", lambda cards, *args: builds.append(len(cards) == whole) or build(cards, *args)
    )
    questions = ["how do i install pyhton", "any tournamnet soon??", "what's the weather like today"]

    fresh = Engine(knowledge, cache_dir=tmp_path)
    cached_engine = Engine(knowledge, cache_dir=tmp_path)
    assert sum(builds) == 1
    assert _answers(cached_engine, questions) == _answers(fresh, questions) == _answers(Engine(knowledge), questions)

    first = next(iter(knowledge.cards.values()))
    changed = dict(knowledge.cards) | {first.id: replace(first, answer=first.answer + " Updated.")}
    Engine(KnowledgeBase(knowledge.sources, changed), cache_dir=tmp_path)
    Engine(knowledge, threshold=50.0, trained_weight=0.5, cache_dir=tmp_path)
    assert sum(builds) == 4  # changed cards and a trained part are other builds; a threshold is not part of one
    Engine(knowledge, threshold=50.0, cache_dir=tmp_path)
    assert sum(builds) == 4


def test_a_moved_knowledge_folder_reads_its_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = []
    build = matcher.build_index
    monkeypatch.setattr(matcher, "build_index", lambda *args: builds.append(args) or build(*args))
    first, moved = tmp_path / "knowledge", tmp_path / "moved" / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, first)
    fresh = Engine(load_knowledge_strict(first), cache_dir=tmp_path / "cache")
    built = len(builds)
    first.parent.joinpath("moved").mkdir()
    first.rename(moved)
    engine = Engine(load_knowledge_strict(moved), cache_dir=tmp_path / "cache")
    assert len(builds) == built  # read back, not built
    questions = ["how do i install pyhton", "any tournamnet soon??", "what's the weather like today"]
    assert _answers(engine, questions) == _answers(fresh, questions)
    assert all(card.path is not None and card.path.is_relative_to(moved) for card in engine.cards)


def test_an_entry_that_grows_while_it_is_read_is_not_read_past_its_limit(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mapped, "MAPPED_MIN_BYTES", 1 << 40)  # the array kept in the pickle, whose stream grows
    build = Big()
    cached(tmp_path, "index", ["cards"], build, extra_bytes=cache.MIN_ENTRY_BYTES)
    [entry] = _entries(tmp_path)
    size = entry.stat().st_size
    real_fstat = os.fstat
    # The size as it was when the file was opened, before a writer appended to it.
    monkeypatch.setattr(os, "fstat", lambda fd: os.stat_result((*real_fstat(fd)[:6], 100, *real_fstat(fd)[7:])))
    with caplog.at_level(logging.WARNING):
        assert cache.read_entry(entry, size - 1) is cache.MISS
    assert [record.message for record in caplog.records if "larger than its cards allow" in record.message]
    assert isinstance(cache.read_entry(entry, size), np.ndarray)


@pytest.mark.parametrize("frozen_before", [False, True])
def test_a_build_leaves_the_garbage_collector_as_it_found_it(frozen_before: bool) -> None:
    states = []

    def build() -> SparseIndex:
        states.append((gc.isenabled(), gc.get_freeze_count() > 0))
        return Builds()()

    if frozen_before:
        gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        cached(None, "index", ["key"], build)
        assert states == [(False, True)]  # no automatic collection during the build, what lived before frozen
        assert gc.isenabled()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def _changed(card: Card, name: str) -> Card:
    """`card` with field `name` changed, whatever its type."""
    value = getattr(card, name)
    if name == "source":
        return replace(card, source=CardSource(document=value.document, section=f"{value.section} changed"))
    if isinstance(value, tuple):
        return replace(card, **{name: (*value, "changed")})
    if isinstance(value, Mapping):
        return replace(card, **{name: {**value, "changed": "value"}})
    return replace(card, **{name: f"{value} changed"})


def test_the_cards_key_changes_with_every_field_of_a_card_but_its_path(knowledge: KnowledgeBase) -> None:
    cards = list(knowledge.cards.values())
    key = cards_key(cards)
    assert cards_key(list(knowledge.cards.values())) == key
    for name in [field.name for field in fields(Card) if field.name != "path"]:
        assert cards_key([_changed(cards[0], name), *cards[1:]]) != key, name
    assert cards_key([replace(cards[0], path=Path("elsewhere", "card.md")), *cards[1:]]) == key
    source = cards[0].source
    for name in CardSource.model_fields:
        changed = source.model_copy(update={name: f"{getattr(source, name)}!"})
        assert cards_key([replace(cards[0], source=changed), *cards[1:]]) != key, name
    assert cards_key(cards[::-1]) != key


def test_a_build_keeps_freed_memory_and_hands_it_back_after(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple] = []
    functions = {
        "mallopt": lambda *args: calls.append(("mallopt", *args)),
        "malloc_trim": lambda *args: calls.append(("trim", *args)),
    }
    monkeypatch.setattr(build_memory, "_glibc", functions.get)

    def build() -> SparseIndex:
        calls.append(("build",))
        return Builds()()

    cached(None, "index", ["key"], build)
    assert calls == [
        ("mallopt", build_memory.M_MMAP_THRESHOLD, build_memory.MMAP_THRESHOLD_MAX),
        ("mallopt", build_memory.M_TRIM_THRESHOLD, build_memory.TRIM_THRESHOLD_DURING),
        ("build",),
        ("mallopt", build_memory.M_TRIM_THRESHOLD, build_memory.TRIM_THRESHOLD_AFTER),
        ("trim", 0),
    ]


def test_a_build_runs_without_huge_pages_and_puts_numpys_setting_back(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def switch(on: bool) -> bool:
        calls.append(on)
        return True  # huge pages were on before

    monkeypatch.setattr(build_memory, "_hugepage_switch", lambda: switch)

    def build() -> SparseIndex:
        calls.append("build")
        return Builds()()

    cached(None, "index", ["key"], build)
    assert calls == [False, "build", True]


def test_the_locked_numpy_still_has_its_huge_page_switch() -> None:
    """Without it a build still runs, only slower: this says when a numpy upgrade dropped it."""
    assert build_memory._hugepage_switch() is not None


def test_a_file_added_to_or_changed_in_the_engine_package_makes_a_build_stale(tmp_path: Path) -> None:
    """The engine's files are found, not listed: a new module (or a new off-topic message) cannot be forgotten."""
    package = tmp_path / "engine"
    package.mkdir()
    (package / "matcher.py").write_text("THRESHOLD = 36\n", encoding="utf-8")
    (package / "offtopic.txt").write_text("hello\n", encoding="utf-8")
    digest = package_digest(package)
    (package / "notes.md").write_text("not code\n", encoding="utf-8")
    assert package_digest(package) == digest
    (package / "ranker.py").write_text("WEIGHT = 1\n", encoding="utf-8")
    added = package_digest(package)
    assert added != digest
    (package / "offtopic.txt").write_text("hello\ngood morning\n", encoding="utf-8")
    assert package_digest(package) != added


def test_flush_waits_for_a_background_task_and_the_entry_it_stores(tmp_path: Path) -> None:
    """A reload stores the card snapshot's entry on a thread of its own: the next load's flush finds it written."""
    started = threading.Event()
    path = tmp_path / "entry.pickle"

    def task() -> None:
        started.wait(5)
        time.sleep(0.05)
        cache.store_entry(path, np.arange(3))

    cache.in_background(task, "test-writer")
    started.set()
    cache.flush()
    assert np.array_equal(cache.read_entry(path, 1 << 20), np.arange(3))  # type: ignore[arg-type]
