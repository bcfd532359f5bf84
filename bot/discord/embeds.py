"""Replies rendered as Discord embeds, cut to Discord's limits so a long card can never be rejected."""

from __future__ import annotations

import discord

from bot import replies
from bot.cards.links import unlinked
from bot.cards.model import KnowledgeBase
from bot.clip import clip
from bot.decline_hint import DeclineHint
from bot.replies import Reply

# Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
TITLE_MAX_CHARS = 256
DESCRIPTION_MAX_CHARS = 4096
FIELD_VALUE_MAX_CHARS = 1024
FIELD_NAME_MAX_CHARS = 256
TOPICS_PER_PAGE = 8  # tag groups a page: keeps every page well under the 6,000-character total

ANSWER_COLOUR = discord.Colour.blurple()
DECLINE_COLOUR = discord.Colour.light_grey()


def answer_embed(reply: Reply) -> discord.Embed:
    """The card's title and answer (links to web and mail addresses only), with its source linked when it has a url."""
    if reply.card is None or reply.source is None:
        return decline_embed(reply)
    embed = discord.Embed(
        title=clip(reply.card.title, TITLE_MAX_CHARS),
        description=clip("\n\n".join(filter(None, (reply.caveat, unlinked(reply.card.answer)))), DESCRIPTION_MAX_CHARS),
        colour=ANSWER_COLOUR,
    )
    label = reply.source.label()
    source = f"[{label}]({reply.source.url})" if reply.source.url else label
    embed.add_field(name=replies.SOURCE, value=clip(source, FIELD_VALUE_MAX_CHARS), inline=False)
    embed.set_footer(text=f"{reply.card.id} · {reply.score:.0f}")
    return embed


def decline_embed(reply: Reply) -> discord.Embed:
    """Says why there is no answer, never echoing the question back (it may be long or contain mentions)."""
    description = reply.offer if reply.suggestions else replies.HOW_IT_DECIDES
    if reply.hint is not None:
        description = f"{description}\n\n{clip(hint_text(reply.hint), DESCRIPTION_MAX_CHARS // 2)}"
    return discord.Embed(title=clip(reply.headline, TITLE_MAX_CHARS), description=description, colour=DECLINE_COLOUR)


def hint_text(hint: DeclineHint) -> str:
    """The decline hint with {channel} a link to DISCORD_DECLINE_HINT_CHANNEL_ID and {role}
    DISCORD_DECLINE_HINT_ROLE_ID's mention when they are set. It is shown in an embed, where no mention notifies
    anyone, and the admin's own words have their mentions escaped besides (`@everyone` stays text whatever is sent)."""
    channel = f"<#{hint.channel_id}>" if hint.channel_id else None
    role = f"<@&{hint.role_id}>" if hint.role_id else None
    return hint.render(discord.utils.escape_mentions, channel, role)


def reply_embed(reply: Reply) -> discord.Embed:
    return answer_embed(reply) if reply.answered else decline_embed(reply)


def topic_pages(knowledge: KnowledgeBase) -> list[discord.Embed]:
    """The cards grouped by tag, a few groups a page."""
    groups = list(knowledge.by_tag().items())
    chunks = [groups[start : start + TOPICS_PER_PAGE] for start in range(0, len(groups), TOPICS_PER_PAGE)] or [[]]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        embed = discord.Embed(title=replies.TOPICS, colour=ANSWER_COLOUR)
        for tag, cards in chunk:
            lines = "\n".join(f"• {card.title}" for card in cards)
            embed.add_field(
                name=clip(tag, FIELD_NAME_MAX_CHARS), value=clip(lines, FIELD_VALUE_MAX_CHARS), inline=False
            )
        if len(chunks) > 1:
            embed.set_footer(text=replies.PAGE.format(page=number, pages=len(chunks)))
        pages.append(embed)
    return pages


def sources_embed(knowledge: KnowledgeBase) -> discord.Embed:
    lines = [
        f"• [{source.name}]({source.url})" if source.url else f"• {source.name}"
        for source in knowledge.sources.values()
    ]
    description = "\n".join(lines) if lines else replies.NO_SOURCES
    return discord.Embed(
        title=replies.SOURCES, description=clip(description, DESCRIPTION_MAX_CHARS), colour=ANSWER_COLOUR
    )


def help_embed() -> discord.Embed:
    description = f"{replies.HELP_COMMANDS}\n\n{replies.HOW_IT_DECIDES}"
    return discord.Embed(title=replies.HELP, description=description, colour=ANSWER_COLOUR)
