"""Every setting of the bot, read once from the environment and `.env`, then passed in.

No other module reads the environment: adapters, the engine and the store get what they need from here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal, cast

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources import ENV_FILE_SENTINEL, DotenvType, EnvSettingsSource

from bot.old_setting_names import new_or_old, old_names_in_use, read_new_names_first

PACKAGE_KNOWLEDGE = Path(__file__).resolve().parent / "knowledge"
REPO_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


REPORT_DAYS = 7  # how far back `report` and `/faq` look unless asked otherwise


def default_knowledge_dir() -> Path:
    """The repository's `knowledge/` in a checkout, the bundled copy in an installed package."""
    return REPO_KNOWLEDGE if REPO_KNOWLEDGE.is_dir() else PACKAGE_KNOWLEDGE


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/faqbot`, else `~/.cache/faqbot`: where the engine keeps built indexes."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if Path(base).is_absolute() else Path.home() / ".cache") / "faqbot"


SLACK_TEAM_ID = r"T[A-Z0-9]{2,}"  # a Slack workspace's id, as events and commands carry it

# A Discord bot token: the bot's id, a timestamp and a signature, base64 each, joined by dots.
DISCORD_TOKEN_SHAPE = re.compile(r"[\w-]{16,}\.[\w-]{4,}\.[\w-]{20,}")


def _split_ids(value: object) -> object:
    """Accept `123` or `1,2, 3` (not JSON), as admins type them in `.env`."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",") if part.strip()]
        for part in parts:
            if not part.isdigit():
                raise ValueError(f"expected comma-separated numeric ids, got {part!r}")
        return [int(part) for part in parts]
    return value


def _split_slack_ids(value: object, pattern: str, what: str) -> object:
    """Accept one Slack id or several, comma-separated (not JSON), as admins copy them from Slack."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.split(",") if part.strip()]
        for part in parts:
            if not re.fullmatch(pattern, part):
                raise ValueError(f"expected comma-separated {what}, got {part!r}")
        return parts
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Knowledge and matching
    knowledge_dir: Path = Field(default_factory=default_knowledge_dir)
    data_dir: Path = Path("data")
    # None (`auto`, the default): chosen from the cards at build time; a number overrides.
    match_threshold: float | None = Field(default=None, ge=0, le=100)
    match_margin: float | None = Field(default=None, ge=0, le=100)
    # The trained part's share of the score (0 = off): worth it when cards have dozens of alternates each.
    match_trained_weight: float | None = Field(default=None, ge=0, le=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    # Shared chat rules
    question_max_chars: int = Field(default=500, ge=20, le=4000)
    cooldown_seconds: float = Field(default=3.0, ge=0)
    cooldown_burst: int = Field(default=3, ge=1)

    # Health and metrics: `/healthz` and `/metrics` over HTTP when a port is set
    http_port: int | None = Field(default=None, ge=1, le=65535)
    http_host: str = "127.0.0.1"
    http_shared_port: bool = False  # several processes on HTTP_PORT (SO_REUSEPORT): Slack HTTP mode's workers

    # Engine index cache: built indexes kept on disk by the cards' content, so a restart on unchanged cards is fast
    index_cache_dir: Path = Field(default_factory=default_cache_dir)

    # Benchmarks (`make bench`): CLINC150's data_full.json; unset means ../shared/data/clinc150/ beside the repository
    bench_clinc150: Path | None = None

    # DECLINE_HINT: a line added to every decline; {channel} and {role} are filled in on each platform
    decline_hint: str | None = None
    decline_hint_channel: str = Field(default="#help", min_length=1)  # {channel} in words (Slack, console)
    # Discord: {channel} links to this channel, {role} mentions this role (shown, never a ping)
    discord_decline_hint_channel_id: int | None = Field(
        default=None, validation_alias=new_or_old("discord_decline_hint_channel_id")
    )
    discord_decline_hint_role_id: int | None = Field(
        default=None, validation_alias=new_or_old("discord_decline_hint_role_id")
    )

    # Discord
    discord_token: SecretStr | None = None
    discord_guild_ids: Annotated[list[int], NoDecode] = []
    discord_answer_channel_ids: Annotated[list[int], NoDecode] = Field(
        default=[], validation_alias=new_or_old("discord_answer_channel_ids")
    )
    discord_api_base: str = "https://discord.com/api/v10"
    discord_gateway_url: str = "wss://gateway.discord.gg/"
    # when set, the bot leaves every other server
    discord_allowed_guild_ids: Annotated[list[int], NoDecode] = Field(
        default=[], validation_alias=new_or_old("discord_allowed_guild_ids")
    )
    # Scale-out: unset, one gateway connection; else discord.py's AutoShardedClient with DISCORD_SHARD_COUNT shards
    # (`auto`: as many as Discord recommends), this process serving DISCORD_SHARD_IDS of them (default all)
    discord_shard_count: int | Literal["auto"] | None = Field(
        default=None, validation_alias=new_or_old("discord_shard_count")
    )
    discord_shard_ids: Annotated[list[int], NoDecode] = Field(
        default=[], validation_alias=new_or_old("discord_shard_ids")
    )

    # Slack: Socket Mode with both tokens; the Events API over HTTP at /slack/events on HTTP_PORT with the bot
    # token and the signing secret but no app token
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_answer_channel_ids: Annotated[list[str], NoDecode] = []
    # when set, other workspaces' requests are ignored
    slack_allowed_workspace_ids: Annotated[list[str], NoDecode] = Field(
        default=[], validation_alias=new_or_old("slack_allowed_workspace_ids")
    )
    # Slack's /faq and "Save as FAQ card": workspace admins and owners, and these users or this user group's members
    slack_admin_user_ids: Annotated[list[str], NoDecode] = []
    slack_admin_group_id: str | None = None

    # Store and admin reports: questions, votes and picks for `/faq` and `python -m bot report`
    database_url: SecretStr | None = None  # sqlite:///path or postgresql://...; default: SQLite in DATA_DIR
    retention_days: int = Field(default=90, ge=0)  # older records are deleted; 0 keeps them all
    user_hash_salt: SecretStr | None = None  # default: made once and kept in DATA_DIR; shards must share it
    watch_knowledge: bool = False  # reload the cards when files under KNOWLEDGE_DIR change
    # true: one card with an error stops the bot from starting and a reload keeps the old cards; false: a card with
    # an error is left out, the rest answer, and /healthz reports "cards": "degraded"
    strict_cards: bool = False
    # Learned phrasings: a question becomes a proposed phrasing of a card once this many users picked or 👍 that card
    # for it (and none 👎); this many 👎 stop the card answering it. true: proposals go live without an admin.
    learn_min_users: int = Field(default=2, ge=1)
    learn_auto_approve: bool = False

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """pydantic-settings' sources in its order, but a renamed setting's new name beats its old one anywhere."""
        read_new_names_first([src for src in (env_settings, dotenv_settings) if isinstance(src, EnvSettingsSource)])
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    @field_validator("match_threshold", "match_margin", "match_trained_weight", mode="before")
    @classmethod
    def _auto(cls, value: object) -> object:
        """`auto` (or blank) lets the engine choose from the cards."""
        if isinstance(value, str) and value.strip().lower() in ("", "auto"):
            return None
        return value

    @field_validator("decline_hint")
    @classmethod
    def _hint(cls, value: str | None) -> str | None:
        from bot.decline_hint import placeholders_problem

        if value is not None and (problem := placeholders_problem(value)):
            raise ValueError(problem)
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("discord_guild_ids", "discord_answer_channel_ids", "discord_allowed_guild_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("discord_shard_count", mode="before")
    @classmethod
    def _shard_count(cls, value: object) -> object:
        """A whole number of shards, or `auto`; blank is unset."""
        text = str(value).strip().lower() if value is not None else ""
        if text in ("", "auto"):
            return text or None
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"expected a number of shards (1 or more) or auto, got {text!r}")
        return int(text)

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_id_list(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("discord_shard_ids")
    @classmethod
    def _shard_ids(cls, value: list[int], info: ValidationInfo) -> list[int]:
        """Each process of a sharded bot names its shards out of a known count, each once."""
        if not value:
            return value
        count = info.data.get("discord_shard_count")
        if not isinstance(count, int):
            raise ValueError(
                "needs DISCORD_SHARD_COUNT set to a number: which shards a process serves depends on how many"
            )
        if wrong := [shard for shard in value if shard >= count]:
            raise ValueError(f"shard ids run from 0 to DISCORD_SHARD_COUNT - 1 ({count - 1}), got {wrong[0]}")
        if len(set(value)) != len(value):
            raise ValueError("names a shard twice")
        return value

    @field_validator("discord_api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("discord_gateway_url")
    @classmethod
    def _gateway(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("must start with ws:// or wss://")
        return value

    @field_validator("knowledge_dir", "data_dir", "index_cache_dir", mode="before")
    @classmethod
    def _blank_path(cls, value: object, info: ValidationInfo) -> object:
        """An empty path (`KNOWLEDGE_DIR=`) means the default, as .env.example says, not the current folder."""
        if isinstance(value, str) and not value.strip():
            return cls.model_fields[str(info.field_name)].get_default(call_default_factory=True)
        return value

    @field_validator("http_port", mode="before")
    @classmethod
    def _blank_port(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token(cls, value: object) -> object:
        """Blank is unset; spaces or a line break around a token (a secret file's last line) are not part of it."""
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("discord_token")
    @classmethod
    def _discord_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        token = value.get_secret_value()
        if token.lower().startswith("bot "):
            raise ValueError("must be the token alone, without 'Bot ' in front")
        if not DISCORD_TOKEN_SHAPE.fullmatch(token):
            raise ValueError("must be the bot token from the Developer Portal: three parts separated by dots")
        return value

    @field_validator("database_url", "user_hash_salt", mode="before")
    @classmethod
    def _blank_store_secret(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("sqlite:///", "postgres://", "postgresql://")
        ):
            raise ValueError("must start with sqlite:///, postgresql:// or postgres://")
        return value

    @field_validator("slack_bot_token", "slack_app_token", "slack_signing_secret", mode="before")
    @classmethod
    def _blank_slack_secret(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") + "/"

    @field_validator("slack_answer_channel_ids", mode="before")
    @classmethod
    def _slack_channels(cls, value: object) -> object:
        return _split_slack_ids(value, r"[CGD][A-Z0-9]{2,}", "Slack channel ids such as C0123ABCD")

    @field_validator("slack_allowed_workspace_ids", mode="before")
    @classmethod
    def _workspaces(cls, value: object) -> object:
        return _split_slack_ids(value, SLACK_TEAM_ID, "Slack workspace ids such as T0123ABCD")

    @field_validator("slack_admin_user_ids", mode="before")
    @classmethod
    def _slack_admins(cls, value: object) -> object:
        return _split_slack_ids(value, r"[UW][A-Z0-9]{2,}", "Slack user ids such as U0123ABCD")

    @field_validator("slack_admin_group_id", mode="before")
    @classmethod
    def _slack_admin_group(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip() or None
        if value is not None and not re.fullmatch(r"S[A-Z0-9]{2,}", str(value)):
            raise ValueError(f"expected a Slack user group id such as S0123ABCD, got {value!r}")
        return value


class SettingsError(Exception):
    """A setting has a bad value: carries one line per problem, naming the environment variable."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        env_file = cast("DotenvType | None", overrides.get("_env_file", ENV_FILE_SENTINEL))
        # A bad value set under a setting's old name is named as the admin wrote it.
        set_as = {found.new: found.old for found in old_names_in_use(Settings, env_file) if not found.shadowed}
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            shown = f"{name} (set as {set_as[name]})" if name in set_as else name
            lines.append(f"invalid setting {shown}: {error['msg']}")
        raise SettingsError("\n".join(lines)) from None
