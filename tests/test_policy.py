"""The reply policy as a table: the one rule both adapters render."""

from __future__ import annotations

import pytest

from bot import policy
from bot.engine import Outcome
from bot.policy import Result, Verdict, Via

PUBLIC, PRIVATE, SILENT = Verdict.PUBLIC, Verdict.PRIVATE, Verdict.SILENT

# via → (answer, decline, notice); then the same with the asker's choice of a private reply
TABLE = {
    Via.CHANNEL: ((PUBLIC, SILENT, SILENT), (PUBLIC, SILENT, SILENT)),
    Via.MENTION: ((PUBLIC, PUBLIC, PRIVATE), (PUBLIC, PUBLIC, PRIVATE)),
    Via.DM: ((PUBLIC, PUBLIC, PRIVATE), (PUBLIC, PUBLIC, PRIVATE)),
    Via.ASK: ((PUBLIC, PRIVATE, PRIVATE), (PRIVATE, PRIVATE, PRIVATE)),
    Via.CONTEXT_MENU: ((PUBLIC, PRIVATE, PRIVATE), (PRIVATE, PRIVATE, PRIVATE)),
}


@pytest.mark.parametrize("via", list(Via))
@pytest.mark.parametrize("private", [False, True])
def test_verdicts(via: Via, private: bool) -> None:
    verdicts = tuple(
        policy.verdict(via, result, private=private) for result in (Result.ANSWER, Result.DECLINE, Result.NOTICE)
    )
    assert verdicts == TABLE[via][private]


def test_only_an_answer_channel_is_ever_silent() -> None:
    silent = {via for via in Via for result in Result if policy.verdict(via, result) is SILENT}
    assert silent == {Via.CHANNEL}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how do I get a role", True),
        ("roles?", True),
        ("What, now", True),
        ("anyone up for pizza tonight?", True),
        ("thanks all", False),
        ("anyone up for pizza tonight", False),
        ("", False),
    ],
)
def test_looks_like_question(text: str, expected: bool) -> None:
    assert policy.looks_like_question(text) is expected


def test_an_answer_channel_looks_up_questions_only() -> None:
    assert not policy.heard(Via.CHANNEL, "good morning everyone")
    assert policy.heard(Via.CHANNEL, "how do I get a role")
    assert all(policy.heard(via, "lol") for via in Via if via is not Via.CHANNEL)


def test_an_answer_channel_records_no_question_with_nothing_to_look_up() -> None:
    assert not policy.recorded(Via.CHANNEL, Outcome.EMPTY)
    assert all(policy.recorded(Via.CHANNEL, outcome) for outcome in Outcome if outcome is not Outcome.EMPTY)
    assert all(policy.recorded(via, outcome) for via in Via if via is not Via.CHANNEL for outcome in Outcome)
