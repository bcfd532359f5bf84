import logging
from pathlib import Path

import pytest

from bot.holder import EngineHolder
from bot.settings import load_settings
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
