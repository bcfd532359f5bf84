"""What a reload leaves to do waits for the questions in flight, runs once, and is dropped by the next reload when it
has not begun."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from pathlib import Path

import pytest

import bot.in_flight
from bot.holder import EngineHolder
from bot.in_flight import Deferred, InFlight
from tests.conftest import FIXTURE_KNOWLEDGE


def test_a_deferred_step_waits_for_the_questions_in_flight() -> None:
    in_flight = InFlight()
    ran: list[float] = []
    in_flight.begin()
    deferred = Deferred([lambda: ran.append(time.monotonic())], in_flight)
    thread = threading.Thread(target=deferred.in_background)
    thread.start()
    time.sleep(bot.in_flight.GRACE + 0.1)
    assert not ran  # the question is still being answered
    answered = time.monotonic()
    in_flight.end()
    thread.join(timeout=5)
    assert len(ran) == 1
    assert ran[0] >= answered


def test_a_stream_of_questions_only_delays_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.in_flight, "QUIET_MAX", 0.1)
    in_flight = InFlight()
    in_flight.begin()  # never answered
    ran: list[bool] = []
    thread = threading.Thread(target=Deferred([lambda: ran.append(True)], in_flight).in_background)
    thread.start()
    thread.join(timeout=5)
    assert ran == [True]


def test_dropped_steps_never_run_and_the_thread_ends_at_once() -> None:
    in_flight = InFlight()
    in_flight.begin()  # a question in flight holds the thread back
    ran: list[str] = []
    deferred = Deferred([lambda: ran.append("first"), lambda: ran.append("second")], in_flight)
    thread = threading.Thread(target=deferred.in_background)
    thread.start()
    began = time.monotonic()
    deferred.drop()
    thread.join(timeout=5)
    assert ran == []
    assert not thread.is_alive()
    assert time.monotonic() - began < bot.in_flight.QUIET_MAX  # woken, not waiting out its bound


def test_drop_waits_for_a_step_the_thread_has_begun_and_drops_the_rest() -> None:
    began, release = threading.Event(), threading.Event()
    done: list[str] = []

    def slow() -> None:
        began.set()
        release.wait(5)
        done.append("slow")

    deferred = Deferred([slow, lambda: done.append("next")], InFlight())
    thread = threading.Thread(target=deferred.in_background)
    thread.start()
    assert began.wait(5)
    threading.Timer(0.1, release.set).start()
    deferred.drop()
    assert done == ["slow"]
    thread.join(timeout=5)
    assert done == ["slow"]


def test_the_holder_counts_the_questions_it_hands_the_engine(tmp_path: Path) -> None:
    holder = EngineHolder(Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge")), 55.0, 6.0)
    seen: list[bool] = []

    def asked() -> None:  # on the engine's thread: is a background wait held back now?
        waited = threading.Thread(target=holder.in_flight.quiet, args=(0.2,))
        began = time.monotonic()
        waited.start()
        waited.join()
        seen.append(time.monotonic() - began >= 0.2)

    asyncio.run(holder.run(asked))
    quiet = time.monotonic()
    holder.in_flight.quiet(0.2)
    assert seen == [True]
    assert time.monotonic() - quiet < 0.2
