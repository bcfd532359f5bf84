"""An old engine taken apart a piece at a time: what nothing else holds is emptied and freed, what is still held
elsewhere is left whole."""

from __future__ import annotations

import gc
import shutil
import threading
import time
import weakref
from pathlib import Path
from typing import ClassVar

import pytest

import bot.in_flight
import bot.release
from bot.holder import EngineHolder
from bot.in_flight import InFlight
from bot.release import release
from tests.conftest import FIXTURE_KNOWLEDGE


class Recording(dict[str, object]):
    """A dict that notes the keys it held when it is emptied."""

    taken: ClassVar[list[str]] = []

    def clear(self) -> None:
        Recording.taken.extend(self)
        super().clear()


def test_what_nothing_else_holds_is_taken_apart_and_what_is_held_is_left_whole() -> None:
    Recording.taken = []
    held = Recording(kept=1)
    release([{"parts": [Recording(first=1, second=(2, Recording(third=3))), held]}])

    assert sorted(Recording.taken) == ["first", "second", "third"]
    assert held == {"kept": 1}


def test_an_object_in_use_is_taken_apart_once_it_is_let_go() -> None:
    Recording.taken = []
    graph = Recording(inner=Recording(deep=1))
    in_use = [graph]
    let_go = threading.Timer(0.05, in_use.clear)  # a question in flight, done shortly
    let_go.start()
    dropped: list[object] = [graph]
    del graph

    release(dropped)

    let_go.join()
    assert sorted(Recording.taken) == ["deep", "inner"]


def test_a_reload_frees_the_old_engine_and_leaves_what_answers_hold(tmp_path: Path) -> None:
    knowledge_dir = Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))
    holder = EngineHolder(knowledge_dir, 55.0, 6.0)
    old = weakref.ref(holder.engine)
    answer = holder.engine.answer("How do I get a role?")  # an answer given before the reload keeps its card
    questions = tuple(answer.card.questions)
    roles = knowledge_dir / "cards" / "server" / "roles.md"
    roles.write_text(roles.read_text(encoding="utf-8") + "Changed.\n", encoding="utf-8")

    holder.reload()
    for thread in threading.enumerate():
        if thread.name == "engine-release":
            thread.join()
    gc.collect()

    assert old() is None
    assert answer.card.questions == questions
    assert holder.engine.answer("How do I get a role?").answered


def test_it_pauses_after_every_slice_of_objects_not_after_every_small_container(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An old engine holds thousands of small tuples (its titles): a pause each made a release of one take 12 s, all
    # the while waking to want the GIL again.
    pauses: list[float] = []
    monkeypatch.setattr(bot.release.time, "sleep", pauses.append)
    dropped: list[object] = [[[(index, str(index))] for index in range(5_000)]]

    release(dropped)

    # Each of the 5,000 lists: taken out of the outer one, itself, and its tuple taken out (freed whole, since it
    # holds only a number and a string): 15,000 objects, a pause after each thousand (a pause a small container made
    # over 10,000).
    assert len(pauses) == 3 * 5_000 // bot.release.SLICE


def test_it_begins_once_no_question_is_in_flight() -> None:
    Recording.taken = []
    in_flight = InFlight()
    in_flight.begin()
    dropped: list[object] = [Recording(outer=Recording(inner=1))]
    thread = threading.Thread(target=release, args=(dropped, in_flight))
    thread.start()
    time.sleep(bot.in_flight.GRACE + 0.1)
    assert Recording.taken == []  # a question is being answered: the release waits for it
    in_flight.end()
    thread.join(timeout=5)
    assert sorted(Recording.taken) == ["inner", "outer"]


def test_the_memory_freed_is_handed_back_once_the_release_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    Recording.taken = []
    handed_back: list[list[str]] = []
    monkeypatch.setattr(bot.release, "release_free_memory", lambda: handed_back.append(list(Recording.taken)))

    release([Recording(outer=Recording(inner=1))])

    assert handed_back == [["outer", "inner"]]  # once, after everything was taken apart
