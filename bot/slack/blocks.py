"""Replies as Block Kit messages, always within Slack's limits so Slack never rejects one.

Every message carries a plain `text` fallback for notifications and screen readers. Buttons carry
`card_id:question_id` so a click can be tied back to the recorded question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot import replies
from bot.answering import Asked
from bot.cards.model import Card, KnowledgeBase
from bot.clip import clip
from bot.replies import Reply
from bot.slack.mrkdwn import escape, link, to_mrkdwn

# Slack's limits (https://api.slack.com/reference/block-kit)
BLOCKS_MAX = 50
SECTION_MAX_CHARS = 3000
HEADER_MAX_CHARS = 150
BUTTON_MAX_CHARS = 75
VALUE_MAX_CHARS = 2000
FALLBACK_MAX_CHARS = 3000
# Ours: how much of a long card or question is shown before it is shortened
ANSWER_SECTIONS_MAX = 10
QUOTE_MAX_CHARS = 500
PICKS_MAX = 5  # cards offered to pick from: a broad question's parts (up to five), or three "did you mean"

VOTE_UP, VOTE_DOWN = "vote:up", "vote:down"
PICK, RELATED = "pick", "related"  # a "did you mean" suggestion, a related card
MORE = "more"  # More…: the next "did you mean" cards of a decline; its value is `page:question_id`
CARD_ACTION = re.compile(rf"^({PICK}|{RELATED}):\d+$")
_TOKENS = re.compile(r"<[^<>]*>|[^\s<]+|\s+|<")

Block = dict[str, Any]


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        """The arguments every way of sending takes: no unfurled previews, no names turned into mentions."""
        return {"text": self.text, "blocks": self.blocks or None, "unfurl_links": False, "unfurl_media": False}


def action_value(card_id: str, question_id: str | None) -> str:
    return f"{card_id}:{question_id or ''}"[:VALUE_MAX_CHARS]


def parse_value(value: str) -> tuple[str, str | None]:
    card_id, _, question_id = value.partition(":")
    return card_id, question_id or None


def split_mrkdwn(text: str, limit: int = SECTION_MAX_CHARS) -> list[str]:
    """Pieces of at most `limit` characters, cut between lines, else between words, never inside `<…>`."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = ""
        for token in _TOKENS.findall(line):
            while len(token) > limit:  # one enormous word or link: cut it, the limit wins
                chunks.append(current + token[: limit - len(current)])
                token, current = token[limit - len(current) :], ""
            if len(current) + len(token) > limit:
                chunks.append(current)
                current = token.lstrip()
            else:
                current += token
    if current.strip():
        chunks.append(current)
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_MAX_CHARS)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, SECTION_MAX_CHARS)}]}


def button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A Block Kit button; `style` "primary" or "danger" colours it."""
    made: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(label, BUTTON_MAX_CHARS), "emoji": True},
        "action_id": action_id,
        "value": value[:VALUE_MAX_CHARS],
    }
    if style:
        made["style"] = style
    return made


def _card_buttons(kind: str, cards: Iterable[Card], question_id: str | None) -> Block:
    buttons = [button(card.title, f"{kind}:{i}", action_value(card.id, question_id)) for i, card in enumerate(cards)]
    return {"type": "actions", "elements": buttons}


def quote(question: str) -> str:
    """The asker's words as an inert mrkdwn quote."""
    return "\n".join(f">{line}" for line in escape(clip(question.strip(), QUOTE_MAX_CHARS)).splitlines())


def answer(reply: Reply, question_id: str | None, asked: str | None = None) -> Message:
    """A card: the title, the answer, its source, 👍/👎 and the related cards."""
    card, source = reply.card, reply.source
    if card is None or source is None:
        raise ValueError("only an answered reply renders as an answer")
    blocks: list[Block] = [_section(quote(asked))] if asked else []
    blocks.append({"type": "header", "text": {"type": "plain_text", "text": clip(card.title, HEADER_MAX_CHARS)}})
    body = to_mrkdwn(card.answer)
    if reply.caveat:
        blocks.append(_section(f"_{escape(reply.caveat)}_"))
    sections = split_mrkdwn(body)
    source_text = link(source.url, source.label()) if source.url else escape(source.label())
    if len(sections) > ANSWER_SECTIONS_MAX:
        sections = sections[:ANSWER_SECTIONS_MAX]
        sections[-1] = clip(sections[-1], SECTION_MAX_CHARS - len(source_text) - 4) + f"\n{source_text}"
    blocks += [_section(text) for text in sections]
    blocks.append(_context(f"{replies.SOURCE}: {source_text}"))
    value = action_value(card.id, question_id)
    blocks.append(
        {
            "type": "actions",
            "elements": [
                button(f"👍 {replies.FEEDBACK_HELPFUL}", VOTE_UP, value),
                button(f"👎 {replies.FEEDBACK_UNHELPFUL}", VOTE_DOWN, value),
            ],
        }
    )
    if reply.related:
        blocks.append(_context(f"{replies.RELATED}:"))
        blocks.append(_card_buttons(RELATED, reply.related[:3], question_id))
    caveat = f"_{escape(reply.caveat)}_\n" if reply.caveat else ""
    return Message(clip(f"*{escape(card.title)}*\n{caveat}{body}", FALLBACK_MAX_CHARS), blocks[:BLOCKS_MAX])


def decline(reply: Reply, question_id: str | None, asked: str | None = None) -> Message:
    """No confident answer: say so, and offer the closest cards as buttons."""
    blocks: list[Block] = [_section(quote(asked))] if asked else []
    blocks.append(_section(escape(reply.headline)))
    text = reply.headline
    if reply.suggestions:
        blocks.append(_section(escape(reply.offer)))
        picks = _card_buttons(PICK, reply.suggestions[:PICKS_MAX], question_id)
        paging = reply.paging
        if paging is not None and paging.more and question_id:
            picks["elements"].append(button(replies.MORE, MORE, f"{paging.number + 1}:{question_id}"))
        blocks.append(picks)
        text += " " + reply.offer + " " + "; ".join(card.title for card in reply.suggestions[:PICKS_MAX])
    fallback = escape(text)
    if reply.hint is not None:
        hint = reply.hint.render(escape)  # the admin's words escaped: no <!channel> or <@U…> can form
        blocks.append(_context(hint))
        fallback += f"\n{hint}"
    return Message(clip(fallback, FALLBACK_MAX_CHARS), blocks)


def parse_more(value: str) -> tuple[int, str | None]:
    """A More… button's page and question id; page 0 and no question for a value that is not one."""
    page, _, question_id = value.partition(":")
    return (int(page), question_id or None) if re.fullmatch(r"[0-9]{1,2}", page) else (0, None)


def voted(thanks: str, others: Reply | None, question_id: str | None) -> Message:
    """The answer to a vote: thanks, and after a 👎 the cards that come next, to pick the one meant."""
    if others is None or not others.suggestions:
        return notice(thanks)
    offered = decline(others, question_id)
    return Message(
        clip(f"{escape(thanks)}\n{offered.text}", FALLBACK_MAX_CHARS), [_context(escape(thanks)), *offered.blocks]
    )


def render(reply: Reply, question_id: str | None, asked: str | None = None) -> Message:
    return answer(reply, question_id, asked) if reply.card is not None else decline(reply, question_id, asked)


def asked_message(asked: Asked, quoted: str | None = None) -> Message:
    """What a question that was looked up or refused shows: the reply, or the refusal as a notice."""
    if asked.refusal is not None:
        return notice(asked.refusal.message)
    assert asked.reply is not None
    return render(asked.reply, asked.question_id, quoted)


def notice(text: str) -> Message:
    """A short line from `bot.replies` (a refusal, a thanks), escaped like everything else."""
    return Message(clip(escape(text), FALLBACK_MAX_CHARS))


HELP_WORDS = frozenset({"", "help", "?"})  # Slack has no /help: `/ask help`, or "help" said to the bot, shows it


def help_message(knowledge: KnowledgeBase) -> Message:
    """How to ask, how answers are chosen, and the topics known, grouped by tag."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": replies.HELP}},
        _section(escape(replies.HELP_COMMANDS_SLACK)),
        _section(escape(replies.HOW_IT_DECIDES)),
        {"type": "header", "text": {"type": "plain_text", "text": replies.TOPICS}},
    ]
    groups = knowledge.by_tag()
    room = BLOCKS_MAX - len(blocks) - 1
    for tag, cards in list(groups.items())[:room]:
        lines = "\n".join(f"• {escape(card.title)}" for card in cards)
        blocks.append(_section(f"*{escape(tag)}*\n{lines}"))
    if len(groups) > room:
        blocks.append(_context("…"))
    return Message(clip(f"{replies.HELP}: {escape(replies.HELP_COMMANDS_SLACK)}", FALLBACK_MAX_CHARS), blocks)
