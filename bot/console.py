"""The console adapter: `ask` without --json, and the interactive `chat`; every question goes through the
`Answerer` as on Discord and Slack, and every shown card through its `card`."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import TextIO

from bot import replies
from bot.answering import Answerer
from bot.cards.model import Card, KnowledgeBase
from bot.guard import Refusal
from bot.replies import Reply

COMMANDS = "Type a question, 'topics' to list what I know, 'help' for how I answer, or 'quit' to leave."
QUIT = frozenset({"quit", "exit", "q"})
MORE = "more"  # the More… button, typed
HELPFUL, UNHELPFUL = frozenset({"+", "+1", "👍"}), frozenset({"-", "-1", "👎"})
EMOJI_VARIANTS = re.compile("[\ufe0f\U0001f3fb-\U0001f3ff]")  # 👍️ and 👍🏽 are 👍
USER = "console"  # whoever sits at the keyboard, as the Answerer's click handling names a user


BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
CODE = re.compile(r"(`[^`]*`)")


def plain(markdown: str) -> str:
    """A terminal shows Markdown's bold markers as they are: leave them out, but not from code (`**kwargs`)."""
    return "".join(part if index % 2 else BOLD.sub(r"\1", part) for index, part in enumerate(CODE.split(markdown)))


def render(reply: Reply) -> str:
    if reply.card is not None and reply.source is not None:
        lines = [reply.card.title, "", plain(reply.card.answer), "", f"Source: {reply.source.label()}"]
        if reply.caveat:
            lines[1:1] = ["", reply.caveat]
        if reply.source.url:
            lines[-1] += f" <{reply.source.url}>"
        if reply.related:
            lines += [f"{replies.RELATED}:", *numbered(reply.related)]
        lines.append(f"(card {reply.card.id}, score {reply.score:.0f})")
        return "\n".join(lines)
    lines = [reply.headline]
    if reply.suggestions:
        lines += [reply.offer, *numbered(reply.suggestions)]
    if reply.hint is not None:
        lines.append(reply.hint.render())
    return "\n".join(lines)


def numbered(cards: tuple[Card, ...]) -> list[str]:
    """The choices a chat offers as buttons, numbered: in `chat`, typing the number shows that card."""
    return [f"  {number}. {card.title}" for number, card in enumerate(cards, 1)]


def topics(knowledge: KnowledgeBase) -> str:
    lines = []
    for tag, cards in knowledge.by_tag().items():
        lines.append(f"{tag}:")
        lines += [f"  - {card.title}" for card in cards]
    return "\n".join(lines)


def respond(answerer: Answerer, question: str) -> str:
    reply = answerer.reply(question)
    return reply.message if isinstance(reply, Refusal) else render(reply)


@dataclass
class Conversation:
    """What `chat` remembers between lines, so that a reply's buttons work as typed words: the numbered cards it
    offered (related or "did you mean"), the page `more` shows next, and the answer a 👍/👎 rates. The console keeps
    no store: a vote is thanked for, not recorded; a 👎 brings up the cards that come next, as on Discord and Slack."""

    answerer: Answerer
    choices: tuple[Card, ...] = ()
    rated: Card | None = None  # the answer last shown: what a vote is about
    voted: set[str] = field(default_factory=set)  # the cards voted on, once each as on Discord and Slack
    asked: str = ""  # the question last looked up: what `more` and a 👎's cards are found again from
    more: int | None = None  # the page of cards `more` shows next, when there is one

    def reply(self, line: str) -> str:
        text = EMOJI_VARIANTS.sub("", line.strip())
        if self.rated is not None and (text in HELPFUL or text in UNHELPFUL):
            rated, already = self.rated, self.rated.id in self.voted
            self.voted.add(rated.id)
            thanks = replies.FEEDBACK_ALREADY if already else replies.FEEDBACK_NO_RECORDS
            others = self.answerer.page(self.asked, 0, without=rated.id) if text in UNHELPFUL and self.asked else None
            return f"{thanks}\n{self._show(others)}" if others is not None and others.suggestions else thanks
        if text.isdigit() and 1 <= int(text) <= len(self.choices):
            return self._show(self.answerer.card(self.choices[int(text) - 1].id, USER))
        if text.lower() == MORE and self.more is not None:
            return self._show(self.answerer.page(self.asked, self.more))
        reply = self.answerer.reply(line)
        if not isinstance(reply, Refusal) and reply.match is not None:
            self.asked = reply.match.question
        return self._show(reply)

    def _show(self, reply: Reply | Refusal) -> str:
        if isinstance(reply, Refusal):
            return reply.message  # the choices and the answer to rate stay as they were
        self.choices = reply.related or reply.suggestions
        self.rated = reply.card
        paging = reply.paging
        self.more = paging.number + 1 if paging is not None and paging.more else None
        hints = ["type its number to see one"] if self.choices else []
        if self.more is not None:
            hints.append(f"'{MORE}' for more")
        if reply.card is not None:
            hints.append("+ or - to rate this answer")
        return render(reply) + (f"\n({'; '.join(hints)})" if hints else "")


def chat(answerer: Answerer, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    interactive = stdin.isatty()
    conversation = Conversation(answerer)
    print(f"{len(answerer.holder.cards)} answer cards loaded. {COMMANDS}", file=stdout)
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
            answer = (
                topics(answerer.holder.knowledge) if command == "topics" else f"{replies.HOW_IT_DECIDES}\n{COMMANDS}"
            )
        else:
            answer = conversation.reply(question)
        print(f"\nbot> {answer}" if interactive else answer + "\n", file=stdout, flush=True)
