"""Envelope payloads shaped like Slack's: a slash command, an Events API callback, a block action."""

from __future__ import annotations

import itertools
from typing import Any

from tests.e2e.fake_slack.server import ADMIN_ID, BOT_USER_ID, TEAM_ID

_ts = itertools.count(1)


def ts() -> str:
    return f"1690000000.{next(_ts):06d}"


def slash(
    text: str, response_url: str, user: str = "U1ASKER", channel: str = "C1GENERAL", command: str = "/ask"
) -> dict[str, Any]:
    return {
        "token": "legacy-verification",
        "team_id": TEAM_ID,
        "channel_id": channel,
        "user_id": user,
        "command": command,
        "text": text,
        "response_url": response_url,
        "trigger_id": "1.2.3",
        "api_app_id": "A1",
    }


def event_callback(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "legacy-verification",
        "team_id": TEAM_ID,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": f"Ev{next(_ts)}",
        "event_time": 1690000000,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        "event": event,
    }


def mention(text: str, user: str = "U1ASKER", channel: str = "C1GENERAL", **extra: Any) -> dict[str, Any]:
    stamp = ts()
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": stamp, "channel": channel}
    return event_callback({**event, "event_ts": stamp, **extra})


def message(text: str, user: str = "U1ASKER", channel: str = "D1DIRECT", channel_type: str = "im", **extra: Any):
    stamp = ts()
    event = {"type": "message", "user": user, "text": text, "ts": stamp, "channel": channel}
    return event_callback({**event, "channel_type": channel_type, "event_ts": stamp, **extra})


def block_action(
    button: dict[str, Any], posted: dict[str, Any], response_url: str, user: str = "U2VOTER"
) -> dict[str, Any]:
    """A click on `button` of the message `posted` (a `chat.postMessage` body with its `ts`)."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A1",
        "container": {"type": "message", "message_ts": posted["ts"], "channel_id": posted["channel"]},
        "channel": {"id": posted["channel"]},
        "message": {"ts": posted["ts"], "thread_ts": posted.get("thread_ts"), "blocks": posted.get("blocks")},
        "response_url": response_url,
        "trigger_id": "1.2.3",
        "actions": [{**button, "block_id": "b1", "action_ts": ts()}],
    }


def view_submission(view: dict[str, Any], values: dict[str, str], user: str = ADMIN_ID) -> dict[str, Any]:
    """The modal `view` (as views.open was given it) sent back with `values` typed, by field (block id)."""
    state = {block_id: {"value": {"type": "plain_text_input", "value": text}} for block_id, text in values.items()}
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A1",
        "trigger_id": "1.2.4",
        "view": {**view, "id": "V1", "team_id": TEAM_ID, "state": {"values": state}},
    }


def message_shortcut(
    message: dict[str, Any], response_url: str, user: str = ADMIN_ID, channel: str = "C1GENERAL"
) -> dict[str, Any]:
    """ "Save as FAQ card" chosen on `message` (its `ts`, `user`, `text`, and `thread_ts` for a reply in a thread)."""
    return {
        "type": "message_action",
        "callback_id": "save_as_faq_card",
        "team": {"id": TEAM_ID},
        "user": {"id": user, "team_id": TEAM_ID},
        "channel": {"id": channel, "name": "help"},
        "message": {"type": "message", **message},
        "message_ts": message["ts"],
        "response_url": response_url,
        "trigger_id": "1.2.5",
        "api_app_id": "A1",
    }
