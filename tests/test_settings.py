from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456"  # shaped as a real one, valid nowhere


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    settings = load_settings()
    assert settings.knowledge_dir.name == "knowledge"
    assert settings.data_dir == Path("data")
    assert settings.discord_token is None
    assert settings.discord_guild_ids == []


def test_ids_are_comma_separated_not_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_GUILD_IDS", "123, 456")
    monkeypatch.setenv("DISCORD_ANSWER_CHANNEL_IDS", "789")
    monkeypatch.setenv("DISCORD_ALLOWED_GUILD_IDS", "123,1011")
    monkeypatch.setenv("SLACK_ALLOWED_WORKSPACE_IDS", "T0123ABCD, T0456EFGH")
    monkeypatch.setenv("SLACK_ADMIN_USER_IDS", "U0123ABCD,W0456EFGH")
    monkeypatch.setenv("SLACK_ADMIN_GROUP_ID", " S0123ABCD ")
    settings = load_settings()
    assert settings.discord_guild_ids == [123, 456]
    assert settings.discord_answer_channel_ids == [789]
    assert settings.discord_allowed_guild_ids == [123, 1011]
    assert settings.slack_allowed_workspace_ids == ["T0123ABCD", "T0456EFGH"]
    assert settings.slack_admin_user_ids == ["U0123ABCD", "W0456EFGH"]
    assert settings.slack_admin_group_id == "S0123ABCD"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DISCORD_GUILD_IDS", "[1,2]"),
        ("DISCORD_ALLOWED_GUILD_IDS", "T0123ABCD"),
        ("SLACK_ALLOWED_WORKSPACE_IDS", "123"),
        ("SLACK_ALLOWED_WORKSPACE_IDS", "C0123ABCD"),
        ("SLACK_ADMIN_USER_IDS", "T0123ABCD"),
        ("SLACK_ADMIN_GROUP_ID", "U0123ABCD"),
        ("DISCORD_API_BASE", "discord.com/api"),
        ("DISCORD_GATEWAY_URL", "https://gateway"),
        ("MATCH_THRESHOLD", "150"),
        ("LOG_LEVEL", "loud"),
    ],
)
def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"^invalid setting {name}:"):
        load_settings()


def test_token_is_secret_and_never_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    token = TOKEN
    monkeypatch.setenv("DISCORD_TOKEN", token)
    monkeypatch.setenv("MATCH_THRESHOLD", "nope")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert token not in str(caught.value)
    monkeypatch.delenv("MATCH_THRESHOLD")
    settings = load_settings()
    assert token not in repr(settings)
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == token


def test_api_base_loses_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_API_BASE", "http://127.0.0.1:8080/api/v10/")
    assert load_settings().discord_api_base == "http://127.0.0.1:8080/api/v10"


def test_an_empty_value_means_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INDEX_CACHE_DIR")  # the tests' own, in the environment: it would win over .env
    (tmp_path / ".env").write_text("KNOWLEDGE_DIR=\nDATA_DIR=\nINDEX_CACHE_DIR=\nDISCORD_TOKEN=\nHTTP_PORT=\n")
    settings = load_settings()
    assert settings.knowledge_dir.name == "knowledge"
    assert settings.knowledge_dir.is_absolute()
    assert settings.data_dir == Path("data")
    assert settings.index_cache_dir.name == "faqbot"
    assert settings.discord_token is None
    assert settings.http_port is None


def test_an_empty_environment_variable_overrides_the_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nHTTP_PORT=8080\n")
    monkeypatch.setenv("DISCORD_TOKEN", "")  # a Slack-only run of a folder whose .env has both
    monkeypatch.setenv("HTTP_PORT", "")
    settings = load_settings()
    assert settings.discord_token is None
    assert settings.http_port is None


def test_space_around_a_token_is_not_part_of_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", f" {TOKEN}\n")
    settings = load_settings()
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == TOKEN


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("abc", "three parts separated by dots"),
        ("MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abc def ghijklmnopqrstuvwxyz", "three parts separated by dots"),
        ("Bot MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456", "without 'Bot ' in front"),
    ],
)
def test_a_malformed_discord_token_is_named_not_shown(monkeypatch: pytest.MonkeyPatch, token: str, reason: str) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", token)
    with pytest.raises(SettingsError, match=f"^invalid setting DISCORD_TOKEN: .*{reason}") as caught:
        load_settings()
    assert token not in str(caught.value)
