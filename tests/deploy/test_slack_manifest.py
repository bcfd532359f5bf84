"""The Slack app manifest registers what the code listens for, with the scopes the Web API calls it makes need."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from bot.slack import admin, ask, capture

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "deploy" / "slack-manifest.yaml").read_text(encoding="utf-8"))
# The scope each Web API method the bot calls needs (https://api.slack.com/methods).
SCOPES = {
    "users_info": {"users:read"},
    "usergroups_users_list": {"usergroups:read"},
    "conversations_replies": {"channels:history", "groups:history", "im:history", "mpim:history"},
    "conversations_info": {"channels:read", "groups:read", "im:read", "mpim:read"},
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_getPermalink": set(),
    "views_open": set(),
    "auth_test": set(),
}


def called_methods() -> set[str]:
    """The `client.<method>(…)` and `self.client.<method>(…)` calls of the Slack adapter."""
    methods = set()
    for path in (ROOT / "bot" / "slack").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            if (isinstance(owner, ast.Name) and owner.id == "client") or (
                isinstance(owner, ast.Attribute) and owner.attr == "client"
            ):
                methods.add(node.attr)
    return methods


def test_the_commands_and_the_shortcut_are_registered() -> None:
    commands = {command["command"] for command in MANIFEST["features"]["slash_commands"]}
    shortcuts = {(item["type"], item["callback_id"]) for item in MANIFEST["features"]["shortcuts"]}
    assert commands == {ask.COMMAND, admin.COMMAND}
    assert shortcuts == {("message", capture.CALLBACK_ID)}
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True  # buttons, forms and the shortcut


def test_every_web_api_call_has_its_scopes() -> None:
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    methods = called_methods() & SCOPES.keys()
    assert {"users_info", "usergroups_users_list", "conversations_replies", "views_open"} <= methods
    missing = {method: SCOPES[method] - scopes for method in methods if SCOPES[method] - scopes}
    assert missing == {}
