import logging
from pathlib import Path

import pytest
from aiohttp import web

from bot.holder import EngineHolder
from bot.settings import load_settings
from bot.slack.app import build_app
from bot.slack.messages import workspace_of
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


@pytest.mark.parametrize(
    ("answer", "logged"),
    [
        (
            web.Response(status=404, text="<html>Not Found</html>", content_type="text/html"),
            "checking SLACK_BOT_TOKEN, {url} answered HTTP 404 without a Slack error code: check SLACK_API_URL",
        ),
        (web.json_response({"ok": False, "error": "invalid_auth"}), "Slack refused SLACK_BOT_TOKEN (invalid_auth)"),
    ],
)
async def test_a_refused_token_says_why_or_names_the_address(
    caplog: pytest.LogCaptureFixture, answer: web.Response, logged: str
) -> None:
    """Slack's own refusal names its error code; a proxy's or a wrong address's page has none: the line then says
    which setting to check, not "(None)"."""

    @web.middleware
    async def every_request(request: web.Request, handler: object) -> web.Response:
        return answer

    server = web.AppRunner(web.Application(middlewares=[every_request]))
    await server.setup()
    await web.TCPSite(server, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{server.addresses[0][1]}/api/"
    try:
        settings = load_settings(
            _env_file=None, slack_bot_token=BOT, slack_app_token=APP, slack_api_url=url, knowledge_dir=FIXTURE_KNOWLEDGE
        )
        holder = EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin)
        assert await SlackService(settings, holder).run() == 1
    finally:
        await server.cleanup()
    errors = [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == [logged.format(url=url)]


def test_bolt_does_not_warn_of_the_token_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT)  # as in a container: Bolt reads it too
    settings = load_settings(_env_file=None, slack_app_token=APP, knowledge_dir=FIXTURE_KNOWLEDGE)
    holder = EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin)
    with caplog.at_level(logging.DEBUG):
        build_app(settings, holder)
    assert [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING] == []


@pytest.mark.parametrize(
    ("channel", "kind", "recorded_under"),
    [
        ("C1GENERAL", "channel", "T1"),
        ("C1GENERAL", None, "T1"),
        ("D1DIRECT", "im", None),
        ("G1GROUPDM", "mpim", None),  # a group direct message is no workspace's either
        ("C2PRIVATE", "mpdm-ana--bo-1", None),  # /ask's channel_name in a group direct message
        ("D1DIRECT", "directmessage", None),
    ],
)
def test_direct_and_group_direct_messages_belong_to_no_workspace(
    channel: str, kind: str | None, recorded_under: str | None
) -> None:
    assert workspace_of("T1", channel, kind) == recorded_under
