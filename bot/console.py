"""The console adapter: `ask` without --json, and the interactive `chat`."""

from __future__ import annotations

import re
import sys
from typing import TextIO

from bot import replies
from bot.engine import Engine
from bot.guard import check_length
from bot.replies import Reply

COMMANDS = "Type a question, 'topics' to list what I know, 'help' for how I answer, or 'quit' to leave."
QUIT = frozenset({"quit", "exit", "q"})


BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
CODE = re.compile(r"(`[^`]*`)")


def plain(markdown: str) -> str:
    """A terminal shows Markdown's bold markers as they are: leave them out, but not from code (`**kwargs`)."""
    return "".join(part if index % 2 else BOLD.sub(r"\1", part) for index, part in enumerate(CODE.split(markdown)))


def render(reply: Reply) -> str:
    if reply.card is not None and reply.source is not None:
        lines = [reply.card.title, "", plain(reply.card.answer), "", f"Source: {reply.source.label()}"]
        if reply.source.url:
            lines[-1] += f" <{reply.source.url}>"
        if reply.related:
            lines.append("Related: " + "; ".join(card.title for card in reply.related))
        lines.append(f"(card {reply.card.id}, score {reply.match.score:.0f})")
        return "\n".join(lines)
    lines = [reply.headline]
    if reply.suggestions:
        lines.append(replies.DID_YOU_MEAN)
        lines += [f"  - {card.title}" for card in reply.suggestions]
    return "\n".join(lines)


def topics(engine: Engine) -> str:
    lines = []
    for tag, cards in engine.knowledge.by_tag().items():
        lines.append(f"{tag}:")
        lines += [f"  - {card.title}" for card in cards]
    return "\n".join(lines)


def respond(engine: Engine, question: str, max_chars: int) -> str:
    refusal = check_length(question, max_chars, replies.example_question(engine.knowledge))
    if refusal:
        return refusal.message
    return render(replies.reply_for(engine.answer(question), engine.knowledge))


def chat(engine: Engine, max_chars: int, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    interactive = stdin.isatty()
    print(f"{len(engine.cards)} answer cards loaded. {COMMANDS}", file=stdout)
    while True:
        if interactive:
            print("\nyou> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line:
            if interactive:
                print(file=stdout)  # end the prompt's line, as a shell does on Ctrl-D
            return 0
        question = line.strip()
        command = question.lower().lstrip("/:")  # "/topics" as on Discord, ":q" as in an editor
        if command in QUIT:
            return 0
        if command in {"topics", "help"}:
            answer = topics(engine) if command == "topics" else f"{replies.HOW_IT_DECIDES}\n{COMMANDS}"
        else:
            answer = respond(engine, question, max_chars)
        print(f"\nbot> {answer}" if interactive else answer + "\n", file=stdout, flush=True)
