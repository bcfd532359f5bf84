"""Real discord.py objects built from minimal payloads, with only the network edge replaced by mocks."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord

from bot.discord.app import FaqBot
from bot.holder import EngineHolder
from bot.settings import load_settings
from tests.e2e.fake_discord import payloads

FIXTURE_KNOWLEDGE = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"
TOKEN = "MTExMTExMTExMTExMTExMTEx.GaBcDe.unit-test-token-0123456789abcdef"  # shaped as a real one, valid nowhere


def make_bot(**settings: Any) -> FaqBot:
    """A bot that never logs in: its state knows itself and one guild, as after READY and GUILD_CREATE."""
    config = load_settings(discord_token=TOKEN, knowledge_dir=FIXTURE_KNOWLEDGE, **settings)
    holder = EngineHolder(config.knowledge_dir, config.match_threshold, config.match_margin)
    bot = FaqBot(config, holder, extensions=())
    state = bot._connection
    state.user = discord.ClientUser(state=state, data=payloads.BOT_USER)
    state._add_guild_from_data(payloads.guild())
    return bot


def make_interaction(bot: FaqBot, kind: int, data: dict[str, Any], **options: Any) -> discord.Interaction[FaqBot]:
    """An interaction whose response and follow-up are mocks, so tests see exactly what would be sent."""
    payload = payloads.interaction(
        payloads.FIRST_ID, kind, data, options.pop("asker", None) or payloads.user(), **options
    )
    interaction: discord.Interaction[FaqBot] = discord.Interaction(data=payload, state=bot._connection)  # type: ignore[arg-type]
    response = AsyncMock(spec=discord.InteractionResponse)
    response.is_done = MagicMock(return_value=False)
    interaction._cs_response = response  # type: ignore[attr-defined]
    interaction._cs_followup = AsyncMock(spec=discord.Webhook)  # type: ignore[attr-defined]
    return interaction


def make_message(
    bot: FaqBot, content: str, *, dm: bool = False, mention: bool = False, author_is_bot: bool = False
) -> discord.Message:
    author = {**payloads.user(), "bot": author_is_bot}
    mentions = [{**payloads.BOT_USER, "member": payloads.member(payloads.BOT_USER)}] if mention else []
    payload = payloads.message(
        payloads.FIRST_ID,
        payloads.DM_CHANNEL_ID if dm else payloads.CHANNEL_ID,
        author,
        {"content": content},
        guild_id=None if dm else payloads.GUILD_ID,
        mentions=mentions,
    )
    channel, _ = bot._connection._get_guild_channel(payload)
    return discord.Message(state=bot._connection, channel=channel, data=payload)  # type: ignore[arg-type]
