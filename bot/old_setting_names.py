"""Settings renamed to carry their platform's prefix (`DISCORD_*`, `SLACK_*`), and their old names still read.

A deployment upgraded with its old `.env` keeps working; one warning line at start-up says what to rename.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import AliasChoices
from pydantic_settings import BaseSettings
from pydantic_settings.sources import ENV_FILE_SENTINEL, DotEnvSettingsSource, DotenvType, EnvSettingsSource

log = logging.getLogger(__name__)

# The new name of each renamed setting and the name it had before, as fields (lower case).
RENAMED: dict[str, str] = {
    "discord_answer_channel_ids": "answer_channel_ids",
    "discord_allowed_guild_ids": "allowed_guild_ids",
    "discord_shard_count": "shard_count",
    "discord_shard_ids": "shard_ids",
    "discord_decline_hint_channel_id": "decline_hint_channel_id",
    "discord_decline_hint_role_id": "decline_hint_role_id",
    "slack_allowed_workspace_ids": "allowed_workspace_ids",
}


def new_or_old(new: str) -> AliasChoices:
    """A renamed field's names, the new one first: pydantic reads the first one set."""
    return AliasChoices(new, RENAMED[new])


@dataclass(frozen=True)
class OldName:
    old: str  # as an environment variable: SHARD_IDS
    new: str
    shadowed: bool  # the new name is set too, so the old one is not read


def old_names_set(sources: Sequence[EnvSettingsSource]) -> tuple[OldName, ...]:
    """The old names the environment or a `.env` file sets, as pydantic-settings read them (any case)."""
    names = {name.lower() for source in sources for name in source.env_vars}
    return tuple(OldName(old.upper(), new.upper(), new in names) for new, old in RENAMED.items() if old in names)


def read_new_names_first(sources: Sequence[EnvSettingsSource]) -> None:
    """Leave out each old name whose new name is set anywhere: the new one wins even from a `.env` file against an
    old name in the environment, which pydantic-settings' order of sources alone would let win."""
    shadowed = {found.old.lower() for found in old_names_set(sources) if found.shadowed}
    for source in sources:
        source.env_vars = {name: value for name, value in source.env_vars.items() if name.lower() not in shadowed}


def old_names_in_use(
    settings_cls: type[BaseSettings], env_file: DotenvType | None = ENV_FILE_SENTINEL
) -> tuple[OldName, ...]:
    """The old names set for these settings, in the environment or the `.env` file (the configured one by default)."""
    return old_names_set([EnvSettingsSource(settings_cls), DotEnvSettingsSource(settings_cls, env_file=env_file)])


def old_names_warning(found: Sequence[OldName]) -> str:
    """One line for every old name set: names only, never a value (some settings are secret)."""
    said = [
        f"{name.old} is ignored: {name.new} is set too and wins"
        if name.shadowed
        else f"{name.old} is read as {name.new}"
        for name in found
    ]
    return f"settings set under their old names ({'; '.join(said)}): rename them in the environment or .env"


def warn_of_old_names(settings_cls: type[BaseSettings]) -> None:
    """Once a process, after logging is set up: the old names keep working, so nothing else would say they are old."""
    if found := old_names_in_use(settings_cls):
        log.warning(old_names_warning(found))
