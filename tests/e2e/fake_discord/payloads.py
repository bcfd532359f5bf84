"""Minimal Discord API payloads (users, guild, messages, interactions) shaped as the real API sends them."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

APP_ID = 900_000_000_000_000_001
BOT_ID = 900_000_000_000_000_002
GUILD_ID = 900_000_000_000_000_003
CHANNEL_ID = 900_000_000_000_000_004
ANSWER_CHANNEL_ID = 900_000_000_000_000_005
DM_CHANNEL_ID = 900_000_000_000_000_006
OTHER_GUILD_ID = 900_000_000_000_000_007
FIRST_ID = 910_000_000_000_000_000
TIMESTAMP = "2025-01-01T12:00:00.000000+00:00"
MEMBER_PERMISSIONS = 2248473465835073  # a member's usual permissions: no Administrator, no Manage Server
MANAGE_GUILD = 1 << 5

BOT_USER: dict[str, Any] = {
    "id": str(BOT_ID),
    "username": "faqbot",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
}

_user_ids = itertools.count(920_000_000_000_000_000)


def user(user_id: int | None = None, name: str = "member") -> dict[str, Any]:
    return {
        "id": str(user_id or next(_user_ids)),
        "username": name,
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
    }


def member(user_payload: dict[str, Any], permissions: int = MEMBER_PERMISSIONS) -> dict[str, Any]:
    return {
        "user": user_payload,
        "roles": [],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": str(permissions),
    }


def application() -> dict[str, Any]:
    return {
        "id": str(APP_ID),
        "name": "faqbot",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user(name="owner"),
        "verify_key": "0" * 64,
        "flags": 0,
    }


def synced_command(command: dict[str, Any], command_id: int) -> dict[str, Any]:
    """A command as Discord returns it after a sync: with its id, and an empty description for menus."""
    return {"description": "", "version": "1", **command, "id": str(command_id), "application_id": str(APP_ID)}


def text_channel(channel_id: int, name: str, guild_id: int = GUILD_ID) -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }


def thread(thread_id: int, name: str, parent_id: int = CHANNEL_ID, guild_id: int = GUILD_ID) -> dict[str, Any]:
    """A public thread of a text channel, as an interaction's channel (the bot has not seen it before)."""
    return {
        "id": str(thread_id),
        "type": 11,
        "guild_id": str(guild_id),
        "parent_id": str(parent_id),
        "name": name,
        "owner_id": str(FIRST_ID - 1),
        "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "archive_timestamp": TIMESTAMP},
        "message_count": 1,
        "member_count": 1,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def guild(guild_id: int = GUILD_ID) -> dict[str, Any]:
    """The test server, or another one (with the same channels) for `guild_id`."""
    return {
        "id": str(guild_id),
        "name": "Test server" if guild_id == GUILD_ID else f"Server {guild_id}",
        "icon": None,
        "owner_id": str(FIRST_ID - 1),
        "roles": [{"id": str(guild_id), "name": "@everyone", "permissions": "0", "position": 0, "color": 0}],
        "emojis": [],
        "stickers": [],
        "features": [],
        "member_count": 2,
        "members": [member(BOT_USER)],
        "channels": [text_channel(CHANNEL_ID, "general", guild_id), text_channel(ANSWER_CHANNEL_ID, "help", guild_id)],
        "threads": [],
        "voice_states": [],
        "presences": [],
        "large": False,
        "unavailable": False,
        "mfa_level": 0,
        "verification_level": 0,
        "explicit_content_filter": 0,
        "default_message_notifications": 0,
        "premium_tier": 0,
        "system_channel_flags": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
    }


def ready(
    session_id: str, resume_url: str, guild_ids: Sequence[int] = (GUILD_ID,), shard: Sequence[int] | None = None
) -> dict[str, Any]:
    """READY for a session; a sharded one's carries its `[shard_id, shard_count]`, as Discord's does."""
    payload = {
        "v": 10,
        "user": BOT_USER,
        "guilds": [{"id": str(guild_id), "unavailable": True} for guild_id in guild_ids],
        "session_id": session_id,
        "resume_gateway_url": resume_url,
        "application": {"id": str(APP_ID), "flags": 0},
        "private_channels": [],
        "relationships": [],
    }
    if shard is not None:
        payload["shard"] = list(shard)
    return payload


def message(
    message_id: int,
    channel_id: int,
    author: dict[str, Any],
    body: dict[str, Any],
    guild_id: int | None = None,
    mentions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author,
        "content": body.get("content") or "",
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentions or [],
        "mention_roles": [],
        "attachments": [],
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "pinned": False,
        "type": 0,
        "flags": body.get("flags", 0),
    }
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
        payload["member"] = {k: v for k, v in member(author).items() if k != "user"}
    return payload


def interaction(
    interaction_id: int,
    kind: int,
    data: dict[str, Any],
    asker: dict[str, Any],
    *,
    guild: bool = True,
    guild_id: int = GUILD_ID,
    permissions: int = MEMBER_PERMISSIONS,
    channel_id: int = CHANNEL_ID,
    message_payload: dict[str, Any] | None = None,
    channel: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An interaction in a server (`guild_id`, by a member with `permissions` there; in `channel`, a thread for
    instance, else a text channel of `channel_id`), or in a DM."""
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(APP_ID),
        "type": kind,
        "token": f"interaction-token-{interaction_id}",
        "version": 1,
        "channel_id": str(channel_id),
        "data": data,
        "locale": "en-US",
        "app_permissions": "2248473465835073",
        "entitlements": [],
        "attachment_size_limit": 10_485_760,
        "authorizing_integration_owners": {"0": str(guild_id)},
        "context": 0 if guild else 1,
    }
    if guild:
        payload["guild_id"] = str(guild_id)
        payload["guild_locale"] = "en-US"
        payload["member"] = member(asker, permissions)
        payload["channel"] = channel or text_channel(channel_id, "general", guild_id)
    else:
        payload["user"] = asker
    if message_payload is not None:
        payload["message"] = message_payload
    return payload


def slash(name: str, options: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"id": str(FIRST_ID - 2), "name": name, "type": 1, "options": options or []}


def string_option(name: str, value: str, focused: bool = False) -> dict[str, Any]:
    option: dict[str, Any] = {"name": name, "type": 3, "value": value}
    if focused:
        option["focused"] = True
    return option


def bool_option(name: str, value: bool) -> dict[str, Any]:
    return {"name": name, "type": 5, "value": value}


def message_command(name: str, target: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(FIRST_ID - 3),
        "name": name,
        "type": 3,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: target}},
    }


def component(custom_id: str, component_type: int, values: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
    if values is not None:
        data["values"] = values
    return data
