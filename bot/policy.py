"""When the bot speaks, to whom, and what it records: one rule for every platform, which adapters only render.

An adapter says how a question arrived (`Via`); the policy says whether the message is looked up at all, whether
it is recorded for the admins, and who sees the reply (`Verdict`). Nothing here knows Discord or Slack.
"""

from __future__ import annotations

from enum import StrEnum

from bot.engine import Outcome


class Via(StrEnum):
    """How a question reached the bot; the values name it in log lines."""

    ASK = "ask"  # the /ask slash command
    CONTEXT_MENU = "context_menu"  # "Find answer" on someone's message
    MENTION = "mention"  # a message that mentions the bot
    DM = "dm"  # a direct message to the bot
    CHANNEL = "channel"  # any message in an answer channel: overheard, not addressed to the bot


class Result(StrEnum):
    """What the bot has to say, before it is decided who hears it."""

    ANSWER = "answer"  # the engine is sure
    DECLINE = "decline"  # the engine is not sure, or there was nothing to look up (small talk, emoji)
    NOTICE = "notice"  # no lookup: a refusal (too long, too fast), help, or an apology for a failure


class Verdict(StrEnum):
    """Who sees the reply. Private is ephemeral where the platform has it; Discord has no ephemeral reply to a
    message, so there a private reply is a plain one (in a direct message, private anyway)."""

    SILENT = "silent"  # nothing is sent
    PUBLIC = "public"  # in the channel or thread, for everyone there
    PRIVATE = "private"  # to the asker alone


COMMANDS = frozenset({Via.ASK, Via.CONTEXT_MENU})
QUESTION_WORDS = frozenset(
    "how what why where when who which whom whose can could should would is are do does did will may".split()
)


def looks_like_question(text: str) -> bool:
    """A question mark at the end, or a question word first: what tells a question from chatter."""
    words = text.strip().lower().split()
    return bool(words) and (text.rstrip().endswith("?") or words[0].strip(",") in QUESTION_WORDS)


def heard(via: Via, text: str) -> bool:
    """Whether the message is put to the engine at all.

    In an answer channel nobody spoke to the bot: only questions are looked up, so chatter ("lol", "good morning
    everyone") never spends anyone's cooldown and is never recorded. Whatever is addressed to the bot is.
    """
    return via is not Via.CHANNEL or looks_like_question(text)


def recorded(via: Via, outcome: Outcome) -> bool:
    """Whether a looked-up question is kept for the admins' reports.

    "Unanswered" should list what members asked that no card covers. In an answer channel a question with
    nothing to look up ("anyone up for pizza tonight?", "lol?") is chatter the bot rightly ignored, not a gap in
    the cards; a question addressed to the bot is always kept, small talk included, as the asker saw a reply.
    """
    return via is not Via.CHANNEL or outcome is not Outcome.EMPTY


def result_of(via: Via, outcome: Outcome) -> Result:
    """A partial answer (the card, with a line saying what it lacks) is said to whoever asked the bot; an answer
    channel, which hears confident answers only, gets nothing."""
    if outcome is Outcome.ANSWERED or (outcome is Outcome.PARTIAL and via is not Via.CHANNEL):
        return Result.ANSWER
    return Result.DECLINE


def verdict(via: Via, result: Result, *, private: bool = False) -> Verdict:
    """Who sees the reply.

    | via                 | answer                       | decline | notice  |
    | answer channel      | public                       | silent  | silent  |
    | mention, DM         | public                       | public  | private |
    | slash command, menu | public (private if asked so) | private | private |

    An answer channel hears confident answers only. Whoever addresses the bot always gets a reply; a command's
    decline goes to the asker alone, so that the channel sees only answers.
    """
    if via is Via.CHANNEL:
        return Verdict.PUBLIC if result is Result.ANSWER else Verdict.SILENT
    if result is Result.NOTICE or (via in COMMANDS and (private or result is Result.DECLINE)):
        return Verdict.PRIVATE
    return Verdict.PUBLIC
