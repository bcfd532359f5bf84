from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import discord.http
import pytest
from aiohttp import web
from discord.gateway import DiscordWebSocket
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.discord.app import create_bot, guard_parsers, intents_for
from bot.discord.extensions import walk_extensions
from bot.discord.service import connect
from bot.holder import EngineHolder
from bot.settings import load_settings
from tests.discord.helpers import FIXTURE_KNOWLEDGE, TOKEN, make_bot
from tests.net import closed_port


def test_guarded_parser_logs_and_skips_a_bad_event(caplog: pytest.LogCaptureFixture) -> None:
    seen = []

    def parse_good(data: dict) -> None:
        seen.append(data)

    def parse_bad(data: dict) -> None:
        int(data["id"])

    parsers = {"GOOD": parse_good, "BAD": parse_bad}
    guard_parsers(parsers)
    parsers["BAD"]({"id": "not a number"})
    parsers["GOOD"]({"id": "1"})
    assert seen == [{"id": "1"}]
    assert [r.fields["event"] for r in caplog.records if r.levelno == logging.ERROR] == ["BAD"]


def test_message_content_intent_only_with_answer_channels() -> None:
    assert not intents_for(load_settings()).message_content
    assert intents_for(load_settings(discord_answer_channel_ids="1,2")).message_content


class SentTo:
    """Stands for an HTTPClient or the webhook adapter: records where each request would have gone."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    async def request(self, route: discord.http.Route, *args: Any, **kwargs: Any) -> None:
        self.urls.append(route.url)

    async def ws_connect(self, url: str, **kwargs: Any) -> None:
        self.urls.append(url)


async def test_each_bot_has_its_own_endpoints_and_discord_py_keeps_its_own() -> None:
    first = make_bot(discord_api_base="http://127.0.0.1:9/api/v10/", discord_gateway_url="ws://127.0.0.1:9/")
    second = make_bot(discord_api_base="http://127.0.0.1:8/api", discord_gateway_url="ws://127.0.0.1:8/gw")
    assert discord.http.Route.BASE == "https://discord.com/api/v10"  # discord.py's own, for any other client
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"
    urls = {}
    for name, bot in (("first", first), ("second", second)):
        sent = SentTo()
        bot.endpoints.route(sent)  # type: ignore[arg-type]
        await sent.request(discord.http.Route("GET", "/users/@me"))
        await sent.ws_connect(str(DiscordWebSocket.DEFAULT_GATEWAY.with_query(v=10)))
        await sent.ws_connect("wss://resume.example/")  # a resume URL the gateway gave is kept
        urls[name] = sent.urls
    assert urls["first"] == ["http://127.0.0.1:9/api/v10/users/@me", "ws://127.0.0.1:9/?v=10", "wss://resume.example/"]
    assert urls["second"] == ["http://127.0.0.1:8/api/users/@me", "ws://127.0.0.1:8/gw?v=10", "wss://resume.example/"]


async def test_interaction_responses_go_to_the_bots_api_from_its_own_context(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = SentTo()
    monkeypatch.setattr(AsyncWebhookAdapter, "request", sent.request)
    bot = make_bot(discord_api_base="http://127.0.0.1:9/api/v10")

    async def respond() -> None:
        await async_context.get().request(discord.http.Route("POST", "/interactions/1/t/callback"), None)

    async def run_the_bot() -> None:
        bot.endpoints.route_interactions()
        await asyncio.create_task(respond())  # an event handler: a task the bot's own starts

    await asyncio.create_task(run_the_bot())
    await respond()  # from elsewhere in the process: discord.py's own adapter and endpoint
    assert sent.urls == [
        "http://127.0.0.1:9/api/v10/interactions/1/t/callback",
        "https://discord.com/api/v10/interactions/1/t/callback",
    ]


def test_extensions_are_the_modules_with_a_setup() -> None:
    names = set(walk_extensions())
    assert {"bot.discord.ask", "bot.discord.browse", "bot.discord.find_answer", "bot.discord.mentions"} <= names
    assert "bot.discord.embeds" not in names


async def test_an_unreachable_discord_is_one_line_and_exit_1(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{closed_port()}/api/v10"
    settings = load_settings(discord_token=TOKEN, knowledge_dir=FIXTURE_KNOWLEDGE, discord_api_base=base)
    bot = create_bot(settings, EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin))
    assert await connect(bot, TOKEN) == 1
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage().split(" (")[0] for record in errors] == [f"cannot reach Discord at {base}"]
    assert errors[0].exc_info is None  # one line, no traceback
    assert TOKEN not in caplog.text


async def test_an_api_base_that_is_no_discord_api_is_one_line_and_exit_1(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = web.Application()  # answers every path with 404, as a wrong base would
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}/not-the-api"
    try:
        settings = load_settings(discord_token=TOKEN, knowledge_dir=FIXTURE_KNOWLEDGE, discord_api_base=base)
        holder = EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin)
        assert await connect(create_bot(settings, holder), TOKEN) == 1
    finally:
        await runner.cleanup()
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage() for record in errors] == [
        f"Discord at {base} answered 404 at login: check DISCORD_API_BASE"
    ]
    assert errors[0].exc_info is None
