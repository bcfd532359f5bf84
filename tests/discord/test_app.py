from __future__ import annotations

import logging
from pathlib import Path

import discord.http
import pytest
import yarl
from aiohttp import web
from discord.gateway import DiscordWebSocket

from bot.discord.app import connect, create_bot, guard_parsers, intents_for, use_endpoints
from bot.discord.extensions import walk_extensions
from bot.holder import EngineHolder
from bot.settings import load_settings
from tests.discord.helpers import FIXTURE_KNOWLEDGE, TOKEN
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
    assert intents_for(load_settings(answer_channel_ids="1,2")).message_content


def test_endpoints_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    use_endpoints(
        load_settings(discord_api_base="http://127.0.0.1:9/api/v10/", discord_gateway_url="ws://127.0.0.1:9/")
    )
    assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me"
    assert yarl.URL("ws://127.0.0.1:9/") == DiscordWebSocket.DEFAULT_GATEWAY


def test_extensions_are_the_modules_with_a_setup() -> None:
    names = set(walk_extensions())
    assert {"bot.discord.ask", "bot.discord.browse", "bot.discord.find_answer", "bot.discord.mentions"} <= names
    assert "bot.discord.embeds" not in names


async def test_an_unreachable_discord_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    base = f"http://127.0.0.1:{closed_port()}/api/v10"
    settings = load_settings(discord_token=TOKEN, knowledge_dir=FIXTURE_KNOWLEDGE, discord_api_base=base)
    bot = create_bot(settings, EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin))
    assert await connect(bot, TOKEN) == 1
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage().split(" (")[0] for record in errors] == [f"cannot reach Discord at {base}"]
    assert errors[0].exc_info is None  # one line, no traceback
    assert TOKEN not in caplog.text


async def test_an_api_base_that_is_no_discord_api_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
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
