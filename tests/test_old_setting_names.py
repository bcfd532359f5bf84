"""Settings renamed to their platform's prefix: the new names read, the old ones still read with one warning line,
and the new name winning wherever both are set."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.old_setting_names import RENAMED
from bot.settings import Settings, SettingsError, load_settings
from tests.conftest import FIXTURE_KNOWLEDGE

# (new name, old name, a value as an admin types it, the attribute, what it reads as); a shard list needs a count.
SETTINGS = [
    ("DISCORD_ANSWER_CHANNEL_IDS", "ANSWER_CHANNEL_IDS", "789, 790", "discord_answer_channel_ids", [789, 790]),
    ("DISCORD_ALLOWED_GUILD_IDS", "ALLOWED_GUILD_IDS", "123", "discord_allowed_guild_ids", [123]),
    ("DISCORD_SHARD_COUNT", "SHARD_COUNT", "auto", "discord_shard_count", "auto"),
    ("DISCORD_SHARD_IDS", "SHARD_IDS", "1,3", "discord_shard_ids", [1, 3]),
    ("DISCORD_DECLINE_HINT_CHANNEL_ID", "DECLINE_HINT_CHANNEL_ID", "555", "discord_decline_hint_channel_id", 555),
    ("DISCORD_DECLINE_HINT_ROLE_ID", "DECLINE_HINT_ROLE_ID", "666", "discord_decline_hint_role_id", 666),
    ("SLACK_ALLOWED_WORKSPACE_IDS", "ALLOWED_WORKSPACE_IDS", "T0123ABCD", "slack_allowed_workspace_ids", ["T0123ABCD"]),
]
ALL_NAMES = [name for new, old, *_ in SETTINGS for name in (new, old)]


@pytest.fixture(autouse=True)
def _no_setting_of_ours(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No name under test from the machine's environment, and no .env but the test's own."""
    monkeypatch.chdir(tmp_path)
    for name in [*ALL_NAMES, "DISCORD_SHARD_COUNT"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(FIXTURE_KNOWLEDGE))


def with_count(name: str, value: str) -> dict[str, str]:
    """The environment setting `name`: a shard list comes with a shard count (under the new name) to be valid."""
    return {name: value, **({"DISCORD_SHARD_COUNT": "4"} if name.endswith("SHARD_IDS") else {})}


def set_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def warnings_in(text: str) -> list[str]:
    return [line for line in text.splitlines() if "old names" in line]


def test_every_renamed_setting_is_tested() -> None:
    assert {(new.lower(), old.lower()) for new, old, *_ in SETTINGS} == set(RENAMED.items())


@pytest.mark.parametrize(("new", "old", "typed", "attribute", "read"), SETTINGS)
def test_the_new_name_is_read_without_a_warning(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    new: str,
    old: str,
    typed: str,
    attribute: str,
    read: object,
) -> None:
    set_env(monkeypatch, with_count(new, typed))
    assert getattr(load_settings(), attribute) == read
    assert main(["check"]) == 0
    assert warnings_in(capsys.readouterr().err) == []


@pytest.mark.parametrize(("new", "old", "typed", "attribute", "read"), SETTINGS)
def test_the_old_name_is_read_and_said_once_by_name(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    new: str,
    old: str,
    typed: str,
    attribute: str,
    read: object,
) -> None:
    set_env(monkeypatch, with_count(old, typed))
    assert getattr(load_settings(), attribute) == read
    assert main(["check"]) == 0
    [warning] = warnings_in(capsys.readouterr().err)
    assert "WARNING" in warning
    assert f"{old} is read as {new}" in warning
    message = warning.partition(" WARNING ")[2]  # the time before it may hold any digits ("20:51:13,345")
    assert typed not in message  # names, never values: some settings are secret


def test_old_names_in_any_case_and_in_a_dotenv_file_are_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("shard_count", "4")  # pydantic-settings reads names in any case
    (tmp_path / ".env").write_text("Shard_Ids=0, 2\nALLOWED_WORKSPACE_IDS=T0456EFGH\n")
    settings = load_settings()
    assert (settings.discord_shard_count, settings.discord_shard_ids) == (4, [0, 2])
    assert settings.slack_allowed_workspace_ids == ["T0456EFGH"]
    assert main(["check"]) == 0
    [warning] = warnings_in(capsys.readouterr().err)
    for old, new in [("SHARD_COUNT", "DISCORD_SHARD_COUNT"), ("SHARD_IDS", "DISCORD_SHARD_IDS")]:
        assert f"{old} is read as {new}" in warning
    assert "ALLOWED_WORKSPACE_IDS is read as SLACK_ALLOWED_WORKSPACE_IDS" in warning


@pytest.mark.parametrize("where", ["environment", ".env", "new in .env, old in the environment"])
def test_where_both_names_are_set_the_new_one_wins_and_the_warning_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    new_line, old_line = "DISCORD_ALLOWED_GUILD_IDS=111", "ALLOWED_GUILD_IDS=222"
    environment = {"environment": [new_line, old_line], ".env": [], "new in .env, old in the environment": [old_line]}
    for line in environment[where]:
        monkeypatch.setenv(*line.split("="))
    (tmp_path / ".env").write_text(
        "".join(f"{line}\n" for line in (new_line, old_line) if line not in environment[where])
    )
    assert load_settings().discord_allowed_guild_ids == [111]
    assert main(["check"]) == 0
    [warning] = warnings_in(capsys.readouterr().err)
    assert "ALLOWED_GUILD_IDS is ignored: DISCORD_ALLOWED_GUILD_IDS is set too and wins" in warning


def test_a_bad_value_under_an_old_name_is_named_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARD_COUNT", "two")
    with pytest.raises(SettingsError, match=r"^invalid setting DISCORD_SHARD_COUNT \(set as SHARD_COUNT\): .*'two'"):
        load_settings()


def test_settings_given_in_code_take_the_new_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARD_COUNT", "4")
    settings = Settings(_env_file=None, discord_shard_count="2", discord_shard_ids="1")  # type: ignore[arg-type]
    assert (settings.discord_shard_count, settings.discord_shard_ids) == (2, [1])
