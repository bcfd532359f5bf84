"""One table of cases, run against the real bot on fake Discord and on fake Slack: who hears what, and what is kept.

The rule itself is `bot.policy`; these cases hold both adapters to it, from a member's message to the request
the platform receives and the row the store keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import replies
from bot.policy import Verdict, Via
from tests.e2e.chats import CHATS, Said, assert_silent, recorded, reply_to

pytestmark = pytest.mark.e2e

ANSWERED = "How do I get a role?"  # a card's own question
UNKNOWN = "how do I bake bread?"  # a question no card answers
TOO_LONG = "how do I " + "really " * 80 + "get a role?"  # over QUESTION_MAX_CHARS (500)
MARKER = "What are the server rules?"  # answered: its reply shows that the bot has dealt with what came before
SMALL_TALK = ("lol", "good morning everyone", "anyone up for pizza tonight")


@dataclass(frozen=True)
class Case:
    via: Via
    text: str
    verdict: Verdict
    shown: str | None  # what the reply says: a card's title, a decline's or a refusal's sentence
    recorded: bool  # kept for the admins' reports


def _cases() -> list[Case]:
    cases = [
        Case(Via.CHANNEL, ANSWERED, Verdict.PUBLIC, ANSWERED, True),
        *(Case(Via.CHANNEL, text, Verdict.SILENT, None, False) for text in SMALL_TALK),
        Case(Via.CHANNEL, "anyone up for pizza tonight?", Verdict.SILENT, None, False),  # asks, nothing to look up
        Case(Via.CHANNEL, UNKNOWN, Verdict.SILENT, None, True),  # a gap in the cards, for "unanswered"
        Case(Via.CHANNEL, TOO_LONG, Verdict.SILENT, None, False),
    ]
    for via in (Via.MENTION, Via.DM):
        cases += [
            Case(via, ANSWERED, Verdict.PUBLIC, ANSWERED, True),
            *(Case(via, text, Verdict.PUBLIC, replies.DECLINE_NO_QUESTION, True) for text in SMALL_TALK),
            Case(via, UNKNOWN, Verdict.PUBLIC, replies.DECLINE, True),
        ]
    return [
        *cases,
        Case(Via.ASK, ANSWERED, Verdict.PUBLIC, ANSWERED, True),
        Case(Via.ASK, "lol", Verdict.PRIVATE, replies.DECLINE_NO_QUESTION, True),
        Case(Via.ASK, UNKNOWN, Verdict.PRIVATE, replies.DECLINE, True),
        Case(Via.ASK, TOO_LONG, Verdict.PRIVATE, replies.TOO_LONG.split(" (")[0], False),
    ]


CASES = _cases()


@pytest.mark.parametrize("platform", sorted(CHATS))
async def test_one_reply_policy_on_both_platforms(platform: str, tmp_path: Path) -> None:
    """Every case is sent, then a marker where the bot must stay silent; every difference is reported at once."""
    async with CHATS[platform](tmp_path) as chat:
        said: list[tuple[Case, Said]] = [(case, await chat.say(case.via, case.text)) for case in CASES]
        marker = await chat.say(Via.CHANNEL, MARKER)
        wrong = []
        for case, message in said:
            if case.verdict is Verdict.SILENT:
                try:
                    await assert_silent(chat, message, marker)
                except AssertionError:
                    wrong.append((case, chat.replies(message)))
                continue
            seen = await reply_to(chat, message)
            if seen.verdict is not case.verdict or case.shown not in seen.text:
                wrong.append((case, [seen]))
    assert wrong == []
    assert sorted(await recorded(tmp_path)) == sorted([case.text for case in CASES if case.recorded] + [MARKER])
