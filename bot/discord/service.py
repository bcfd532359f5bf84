"""Discord as one service of the process: the client connected until closed, a refused start one clear line."""

from __future__ import annotations

import logging

import aiohttp
import discord
from aiohttp import web

from bot import health
from bot.discord.app import FaqBot, create_bot
from bot.exits import EXIT_FAIL, EXIT_OK
from bot.holder import EngineHolder
from bot.settings import Settings
from bot.store import Store

log = logging.getLogger(__name__)


class DiscordService:
    name = "discord"

    def __init__(self, settings: Settings, holder: EngineHolder, store: Store | None) -> None:
        if settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set")
        self.token = settings.discord_token.get_secret_value()
        self.bot = create_bot(settings, holder, store)
        self.connection = health.Connection("discord", lambda: self.bot.gateway_connected, lambda: self.bot.latency)

    def routes(self) -> list[web.RouteDef]:
        return []

    async def run(self) -> int:
        return await connect(self.bot, self.token)

    async def close(self) -> None:
        await self.bot.close()


async def connect(bot: FaqBot, token: str) -> int:
    """Run the client until it is closed; a refused token, a missing intent or no way to reach Discord is one clear
    line and exit 1 (once connected, discord.py reconnects by itself)."""
    base = bot.endpoints.api_base
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        log.error("Discord refused the token: check DISCORD_TOKEN")
        return EXIT_FAIL
    except (aiohttp.ClientError, OSError) as error:
        log.error("cannot reach Discord at %s (%s): check the network or DISCORD_API_BASE", base, error)
        return EXIT_FAIL
    except discord.HTTPException as error:  # before the connection: an API base that is no Discord API, or an outage
        log.error("Discord at %s answered %s at login: check DISCORD_API_BASE", base, error.status)
        return EXIT_FAIL
    except discord.PrivilegedIntentsRequired:
        log.error("DISCORD_ANSWER_CHANNEL_IDS needs the Message Content intent: enable it in the Developer Portal")
        return EXIT_FAIL
    log.info("Discord connection closed")
    return EXIT_OK
