"""The Discord client: intents, endpoints, extensions, command sync, and a client that survives bad events."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering import Answerer
from bot.discord.components import DYNAMIC_ITEMS
from bot.discord.endpoints import Endpoints
from bot.discord.errors import on_app_command_error
from bot.discord.extensions import walk_extensions
from bot.holder import EngineHolder
from bot.settings import Settings
from bot.store import Store

log = logging.getLogger(__name__)


def intents_for(settings: Settings) -> discord.Intents:
    """The message content intent is privileged: asked for only when answer channels need it (else Discord closes
    the gateway with 4014 for a fresh application)."""
    intents = discord.Intents.default()
    intents.message_content = bool(settings.discord_answer_channel_ids)
    return intents


def guard_parsers(parsers: dict[str, Callable[[Any], None]]) -> None:
    """discord.py lets an exception in an event parser end `Client.start`: log and skip the event instead."""
    for event, parser in list(parsers.items()):
        parsers[event] = _guarded(event, parser)


def _guarded(event: str, parser: Callable[[Any], None]) -> Callable[[Any], None]:
    @functools.wraps(parser)
    def guarded(data: Any) -> None:
        try:
            parser(data)
        except Exception:
            log.exception("skipped a malformed gateway event", extra={"fields": {"event": event}})

    return guarded


class ServedTree(app_commands.CommandTree["FaqBot"]):
    """Every slash command and context menu is refused, unseen, in a server outside DISCORD_ALLOWED_GUILD_IDS: the bot
    leaves such a server, and answers nothing there should leaving fail."""

    async def interaction_check(self, interaction: discord.Interaction[FaqBot], /) -> bool:
        return interaction.client.serves(interaction.guild_id)

    async def on_error(self, interaction: discord.Interaction[FaqBot], error: app_commands.AppCommandError, /) -> None:
        await on_app_command_error(interaction, error)


class FaqBot(commands.Bot):
    def __init__(
        self,
        settings: Settings,
        holder: EngineHolder,
        store: Store | None = None,
        extensions: Iterable[str] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents_for(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            tree_cls=ServedTree,
            **options,
        )
        self.settings = settings
        self.holder = holder
        self.store = store
        self.answerer = Answerer(holder, settings, "discord", store)
        self.extension_names = tuple(walk_extensions() if extensions is None else extensions)
        guard_parsers(self._connection.parsers)
        self.endpoints = Endpoints(settings.discord_api_base, settings.discord_gateway_url)
        self.endpoints.route(self.http)

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        self.endpoints.route_interactions()  # before the handlers' tasks start, which take this context with them
        await super().start(token, reconnect=reconnect)

    def serves(self, guild_id: int | None) -> bool:
        """Whether a question from this server (None: a direct message) is answered, as DISCORD_ALLOWED_GUILD_IDS
        says."""
        allowed = self.settings.discord_allowed_guild_ids
        return not allowed or guild_id is None or guild_id in allowed

    @property
    def gateway_connected(self) -> bool:
        """True while the gateway session is up and ready: what a health check should report."""
        return self.is_ready() and not self.is_closed() and self.ws is not None and self.ws.open

    async def setup_hook(self) -> None:
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        for name in self.extension_names:
            await self.load_extension(name)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Guild commands appear at once (for testing servers); global ones can take a while to reach every client.

        A failed sync is logged, not fatal: the commands registered last time keep working.
        """
        try:
            if not self.settings.discord_guild_ids:
                synced = await self.tree.sync()
                log.info("synced %d global commands", len(synced))
            for guild_id in self.settings.discord_guild_ids:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("synced %d commands to guild %s", len(synced), guild_id)
        except discord.HTTPException as error:
            log.error("command sync failed (%s %s); the previous commands stay registered", error.status, error.text)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands: questions in messages are handled by the mentions extension's listener."""


def create_bot(settings: Settings, holder: EngineHolder, store: Store | None = None) -> FaqBot:
    from bot.discord.shards import sharded_bot  # a subclass of FaqBot, so imported once FaqBot is defined

    sharded = sharded_bot(settings, holder, store)
    return sharded if sharded is not None else FaqBot(settings, holder, store)
