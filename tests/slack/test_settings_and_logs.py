import io
import logging

import pytest

from bot.log import RedactingFilter
from bot.settings import SettingsError, load_settings

BOT = "xoxb-123-456-AbCdEfGhIjKlMnOp"
APP = "xapp-1-A123-456-abcdef0123456789"


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"slack_bot_token": "xapp-1-2"}, "SLACK_BOT_TOKEN"),
        ({"slack_app_token": "xoxb-1-2"}, "SLACK_APP_TOKEN"),
        ({"slack_api_url": "127.0.0.1:9/api"}, "SLACK_API_URL"),
        ({"slack_answer_channel_ids": "general"}, "SLACK_ANSWER_CHANNEL_IDS"),
    ],
)
def test_bad_slack_settings_name_the_setting(values: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None, **values)
    assert str(error.value).splitlines() == [str(error.value)]
    assert named in str(error.value)


def test_slack_settings_parse() -> None:
    settings = load_settings(
        _env_file=None,
        slack_bot_token=BOT,
        slack_app_token=APP,
        slack_api_url="http://127.0.0.1:8000/api",
        slack_answer_channel_ids="C01AB, G02CD",
    )
    assert settings.slack_api_url == "http://127.0.0.1:8000/api/"
    assert settings.slack_answer_channel_ids == ["C01AB", "G02CD"]
    assert BOT not in repr(settings)
    assert APP not in str(settings)


def test_slack_tokens_are_redacted_from_logs() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter([BOT, APP, "signing-secret-value"]))
    logger = logging.getLogger("tests.slack.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("Sending a request - headers: {'Authorization': 'Bearer %s'} app %s", BOT, APP)
        logger.debug("secret signing-secret-value and an unknown xoxb-999-888-ZZZZZZZZZZZZ")
    finally:
        logger.removeHandler(handler)
    logged = stream.getvalue()
    assert "[redacted]" in logged
    for secret in (BOT, APP, "signing-secret-value", "xoxb-999"):
        assert secret not in logged
