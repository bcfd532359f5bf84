"""DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS: read as admins type them, refused by name when they cannot describe a
sharded bot."""

from __future__ import annotations

import pytest

from bot.discord.app import FaqBot, create_bot
from bot.discord.shards import ShardedFaqBot
from bot.holder import EngineHolder
from bot.settings import SettingsError, load_settings
from tests.conftest import FIXTURE_KNOWLEDGE


@pytest.fixture(autouse=True)
def _no_shard_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_SHARD_COUNT", raising=False)
    monkeypatch.delenv("DISCORD_SHARD_IDS", raising=False)


@pytest.mark.parametrize(
    ("count", "ids", "read"),
    [
        ("", "", (None, [])),
        ("auto", "", ("auto", [])),
        (" AUTO ", "", ("auto", [])),
        ("4", "", (4, [])),
        ("4", "2, 3", (4, [2, 3])),
    ],
)
def test_shard_settings_are_read(
    monkeypatch: pytest.MonkeyPatch, count: str, ids: str, read: tuple[object, list[int]]
) -> None:
    monkeypatch.setenv("DISCORD_SHARD_COUNT", count)
    monkeypatch.setenv("DISCORD_SHARD_IDS", ids)
    settings = load_settings()
    assert (settings.discord_shard_count, settings.discord_shard_ids) == read


@pytest.mark.parametrize(
    ("count", "ids", "message"),
    [
        ("0", "", "invalid setting DISCORD_SHARD_COUNT: .*a number of shards \\(1 or more\\) or auto, got '0'"),
        ("two", "", "invalid setting DISCORD_SHARD_COUNT: .*got 'two'"),
        ("", "0", "invalid setting DISCORD_SHARD_IDS: .*needs DISCORD_SHARD_COUNT set to a number"),
        ("auto", "0,1", "invalid setting DISCORD_SHARD_IDS: .*needs DISCORD_SHARD_COUNT set to a number"),
        ("2", "2", "invalid setting DISCORD_SHARD_IDS: .*from 0 to DISCORD_SHARD_COUNT - 1 \\(1\\), got 2"),
        ("3", "1,1", "invalid setting DISCORD_SHARD_IDS: .*names a shard twice"),
        ("3", "[0]", "invalid setting DISCORD_SHARD_IDS: .*comma-separated numeric ids"),
    ],
)
def test_shard_settings_that_describe_no_sharded_bot_are_refused(
    monkeypatch: pytest.MonkeyPatch, count: str, ids: str, message: str
) -> None:
    monkeypatch.setenv("DISCORD_SHARD_COUNT", count)
    monkeypatch.setenv("DISCORD_SHARD_IDS", ids)
    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_the_client_is_sharded_only_when_asked() -> None:
    holder = EngineHolder(FIXTURE_KNOWLEDGE, 55.0, 6.0)
    plain = create_bot(load_settings(knowledge_dir=FIXTURE_KNOWLEDGE), holder)
    assert type(plain) is FaqBot
    sharded = create_bot(
        load_settings(knowledge_dir=FIXTURE_KNOWLEDGE, discord_shard_count="4", discord_shard_ids="1,3"), holder
    )
    assert isinstance(sharded, ShardedFaqBot)
    assert (sharded.shard_count, sharded.shard_ids) == (4, [1, 3])
    assert not sharded.gateway_connected  # no shard is up before it connects
    auto = create_bot(load_settings(knowledge_dir=FIXTURE_KNOWLEDGE, discord_shard_count="auto"), holder)
    assert (auto.shard_count, auto.shard_ids) == (None, None)  # discord.py asks Discord how many
