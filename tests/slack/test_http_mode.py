"""The memory and the log of the HTTP endpoint stay bounded, whatever arrives."""

import logging

import pytest

from bot.slack.http_mode import Recent, RefusalLog


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_recent_ids_are_forgotten_after_their_window_or_past_the_limit() -> None:
    clock = Clock()
    recent = Recent(window=600, limit=3, clock=clock)
    assert [recent.seen(key) for key in ("a", "b", "a")] == [False, False, True]
    recent.seen("c")
    recent.seen("d")  # past the limit: "a", the oldest, goes
    assert len(recent._seen) == 3
    assert recent.seen("b")
    assert not recent.seen("a")
    clock.now = 601  # past the window: all of them go
    assert not recent.seen("b")
    assert len(recent._seen) == 1


def test_refusals_are_one_line_a_second_with_the_count_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    refusals = RefusalLog(interval=1.0, clock=clock)
    for step in range(25):
        clock.now = step * 0.1
        refusals.refused("bad signature", "192.0.2.1")
    lines = [record for record in caplog.records if record.name == "bot.slack.http_mode"]
    assert [record.levelno for record in lines] == [logging.WARNING] * 3
    assert [record.fields["suppressed"] for record in lines] == [0, 9, 9]  # type: ignore[attr-defined]
