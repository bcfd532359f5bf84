"""DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS: the bot over discord.py's AutoShardedClient, one gateway connection a
shard.

Discord gives each shard its own servers (`(guild_id >> 22) % shard_count`, direct messages on shard 0), so several
processes, each with its DISCORD_SHARD_IDS, share one bot's servers with no coordination of their own. Nothing else in
the adapter changes: a sharded client is the same `FaqBot`.
"""

from __future__ import annotations

import logging
from typing import Any

from discord.ext import commands

from bot.discord.app import FaqBot
from bot.holder import EngineHolder
from bot.settings import Settings
from bot.store import Store

log = logging.getLogger(__name__)


class ShardedFaqBot(FaqBot, commands.AutoShardedBot):
    @property
    def gateway_connected(self) -> bool:
        """True while every shard of this process is up and ready (an AutoShardedClient has no single `ws`)."""
        shards = self.shards.values()
        return self.is_ready() and not self.is_closed() and bool(shards) and not any(s.is_closed() for s in shards)


def sharding(settings: Settings) -> dict[str, Any] | None:
    """AutoShardedClient's options as DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS say; None, one unsharded connection,
    when unset."""
    if settings.discord_shard_count is None:
        return None
    shard_count = settings.discord_shard_count
    count = None if shard_count == "auto" else shard_count  # None: discord.py asks /gateway/bot
    return {"shard_count": count, "shard_ids": settings.discord_shard_ids or None}


def sharded_bot(settings: Settings, holder: EngineHolder, store: Store | None = None) -> ShardedFaqBot | None:
    """The sharded client the settings ask for; None when they ask for none."""
    options = sharding(settings)
    if options is None:
        return None
    log.info(
        "Discord: shards %s of %s in this process",
        ", ".join(map(str, settings.discord_shard_ids)) or "all",
        options["shard_count"] or "as many as Discord recommends",
    )
    return ShardedFaqBot(settings, holder, store, **options)
