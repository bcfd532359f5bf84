import logging
from pathlib import Path

import pytest
from aiohttp import web

from bot.holder import EngineHolder
from bot.settings import load_settings
from bot.slack.app import build_app
from bot.slack.service import SlackService
from tests.net import closed_port

FIXTURE_KNOWLEDGE = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"
BOT = "xoxb-123-456-AbCdEfGhIjKlMnOp"
APP = "xapp-1-A123-456-abcdef0123456789"


async def test_an_unreachable_slack_is_one_line_and_exit_1(caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:{closed_port()}/api/"
    settings = load_settings(
        _env_file=None, slack_bot_token=BOT, slack_app_token=APP, slack_api_url=url, knowledge_dir=FIXTURE_KNOWLEDGE
    )
    holder = EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin)
    assert await SlackService(settings, holder).run() == 1
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage().split(" (")[0] for record in errors] == ["cannot reach Slack"]
    assert "127.0.0.1" in errors[0].getMessage()  # the address that failed
    assert errors[0].exc_info is None
    assert BOT not in caplog.text


async def test_an_api_address_that_is_not_slacks_is_named_not_the_token(caplog: pytest.LogCaptureFixture) -> None:
    """A proxy's or a wrong address's 404 page has no Slack error code: the line says which setting to check."""
    server = web.AppRunner(web.Application(middlewares=[not_found]))
    await server.setup()
    site = web.TCPSite(server, "127.0.0.1", 0)
    await site.start()
    port = server.addresses[0][1]
    url = f"http://127.0.0.1:{port}/api/"
    try:
        settings = load_settings(
            _env_file=None, slack_bot_token=BOT, slack_app_token=APP, slack_api_url=url, knowledge_dir=FIXTURE_KNOWLEDGE
        )
        holder = EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin)
        assert await SlackService(settings, holder).run() == 1
    finally:
        await server.cleanup()
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == [
        f"checking SLACK_BOT_TOKEN, {url} answered HTTP 404 without a Slack error code: check SLACK_API_URL"
    ]


@web.middleware
async def not_found(request: web.Request, handler: object) -> web.Response:
    return web.Response(status=404, text="<html>Not Found</html>", content_type="text/html")


def test_bolt_does_not_warn_of_the_token_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT)  # as in a container: Bolt reads it too
    settings = load_settings(_env_file=None, slack_app_token=APP, knowledge_dir=FIXTURE_KNOWLEDGE)
    holder = EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin)
    with caplog.at_level(logging.DEBUG):
        build_app(settings, holder)
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []
