"""Who may run Slack's admin actions: the workspace's admins and owners, and the users or the user group the
settings name. Asked again on every command, click, form sent and shortcut, since any of them can come from
someone who is no admin (a button on a message an admin was shown, a form kept open after a demotion).

Slack's answers are kept for `TTL` seconds, at most `KEPT_MAX` of them, so a burst of clicks costs one lookup and
a demoted admin loses the right within a minute. A lookup that fails (Slack down, a scope missing) refuses.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

TTL = 60.0  # seconds a lookup is trusted
KEPT_MAX = 1024  # users whose standing is kept at once
ADMIN_FLAGS = ("is_admin", "is_owner", "is_primary_owner")
REFUSED = (
    "Sorry, the /faq commands and Save as FAQ card are for this workspace's admins and owners, and for the people "
    "the bot's settings name. Ask one of them if you think a card should change."
)


class Expiring:
    """At most `limit` values, each forgotten `ttl` seconds after it was kept (the oldest dropped first)."""

    def __init__(self, ttl: float, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.limit = limit
        self.clock = clock
        self._kept: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def get(self, key: str) -> Any | None:
        kept = self._kept.get(key)
        if kept is None or kept[0] < self.clock():
            self._kept.pop(key, None)
            return None
        return kept[1]

    def put(self, key: str, value: Any) -> None:
        self._kept.pop(key, None)
        self._kept[key] = (self.clock() + self.ttl, value)
        while len(self._kept) > self.limit:
            self._kept.popitem(last=False)


class Authority:
    def __init__(
        self,
        client: AsyncWebClient,
        user_ids: Collection[str] = (),
        group_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.user_ids = frozenset(user_ids)
        self.group_id = group_id
        self._users = Expiring(TTL, KEPT_MAX, clock)  # "team:user" → may they
        self._group = Expiring(TTL, 1, clock)  # the group's members

    async def allows(self, team_id: str | None, user_id: str | None) -> bool:
        """Whether this user may act as an admin of this workspace."""
        if not user_id:
            return False
        if user_id in self.user_ids:
            return True
        key = f"{team_id}:{user_id}"
        kept = self._users.get(key)
        if kept is None:
            admin = await self._admin(team_id, user_id)
            member = False if admin else await self._in_group(user_id)
            kept = bool(admin or member)
            if admin is not None and member is not None:  # a failed lookup is asked again next time
                self._users.put(key, kept)
        return bool(kept)

    async def _admin(self, team_id: str | None, user_id: str) -> bool | None:
        """An admin or owner of the workspace the request came from (a guest from another one is not); None when
        Slack could not say."""
        answer = await asked(self.client.users_info(user=user_id), "users.info")
        if answer is None:
            return None
        user = answer.get("user") or {}
        same_team = team_id is None or user.get("team_id") in (None, team_id)
        return same_team and any(user.get(flag) is True for flag in ADMIN_FLAGS)

    async def _in_group(self, user_id: str) -> bool | None:
        if self.group_id is None:
            return False
        members = self._group.get(self.group_id)
        if members is None:
            answer = await asked(self.client.usergroups_users_list(usergroup=self.group_id), "usergroups.users.list")
            if answer is None:
                return None
            members = frozenset(str(user) for user in answer.get("users") or ())
            self._group.put(self.group_id, members)
        return user_id in members


async def asked(call: Awaitable[Any], method: str) -> Any | None:
    """Slack's answer, or None (logged) when the call failed: the admin check then refuses rather than lets in."""
    try:
        return await call
    except SlackApiError as error:
        data = getattr(error.response, "data", None)
        reason = str(data.get("error")) if isinstance(data, dict) else "error"
        log.warning("Slack's %s failed (%s)", method, reason)
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        log.warning("Slack's %s failed (%s)", method, type(error).__name__)
    return None
