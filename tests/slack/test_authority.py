"""Who may use Slack's admin actions, and how long Slack's answers are kept: briefly, boundedly, failures never."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.authority import KEPT_MAX, TTL, Authority, Expiring


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Slack:
    """users.info and usergroups.users.list as a workspace answers them, counting the calls."""

    def __init__(self, users: dict[str, dict[str, Any]], group: list[str] | None = None) -> None:
        self.users = users
        self.group = group or []
        self.calls: list[str] = []
        self.failing = False

    async def users_info(self, user: str) -> dict[str, Any]:
        self.calls.append(f"users.info {user}")
        if self.failing:
            raise SlackApiError("ratelimited", {"ok": False, "error": "ratelimited"})
        return {"ok": True, "user": self.users.get(user, {"id": user, "team_id": "T1"})}

    async def usergroups_users_list(self, usergroup: str) -> dict[str, Any]:
        self.calls.append(f"usergroups.users.list {usergroup}")
        return {"ok": True, "users": self.group}


def authority(slack: Slack, clock: Clock, **kwargs: Any) -> Authority:
    client: AsyncWebClient = slack  # type: ignore[assignment]  # the two methods the authority calls
    return Authority(client, clock=clock, **kwargs)


def test_expiring_forgets_after_its_ttl_and_beyond_its_limit() -> None:
    clock = Clock()
    kept = Expiring(10.0, 2, clock)
    kept.put("a", 1)
    kept.put("b", 2)
    kept.put("c", 3)  # over the limit: the oldest goes
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (None, 2, 3)
    clock.now = 10.5
    assert kept.get("b") is None


async def test_admins_and_owners_of_the_same_workspace_are_allowed() -> None:
    users = {
        "UADMIN": {"team_id": "T1", "is_admin": True},
        "UOWNER": {"team_id": "T1", "is_owner": True},
        "UPRIMARY": {"team_id": "T1", "is_primary_owner": True},
        "UMEMBER": {"team_id": "T1", "is_admin": False},
        "UGUEST": {"team_id": "T2", "is_admin": True},  # an admin of another workspace
    }
    check = authority(Slack(users), Clock())
    allowed = {user for user in users if await check.allows("T1", user)}
    assert allowed == {"UADMIN", "UOWNER", "UPRIMARY"}
    assert not await check.allows("T1", None)


async def test_named_users_need_no_lookup_and_the_groups_members_are_read_once() -> None:
    slack = Slack({}, group=["UMOD"])
    check = authority(slack, Clock(), user_ids=["UNAMED"], group_id="S1")
    assert await check.allows("T1", "UNAMED")
    assert await check.allows("T1", "UMOD")
    assert not await check.allows("T1", "UOTHER")
    assert slack.calls == ["users.info UMOD", "usergroups.users.list S1", "users.info UOTHER"]


async def test_answers_are_kept_for_a_minute_and_failures_are_not_kept() -> None:
    slack, clock = Slack({"UADMIN": {"team_id": "T1", "is_admin": True}}), Clock()
    check = authority(slack, clock)
    slack.failing = True
    assert not await check.allows("T1", "UADMIN")  # Slack could not say: refused
    slack.failing = False
    assert await check.allows("T1", "UADMIN")
    assert await check.allows("T1", "UADMIN")
    assert len(slack.calls) == 2  # the failure was asked again, the answer kept
    slack.users["UADMIN"]["is_admin"] = False  # demoted
    clock.now = TTL + 1
    assert not await check.allows("T1", "UADMIN")
    assert len(slack.calls) == 3


async def test_the_answers_kept_are_bounded() -> None:
    slack = Slack({})
    check = authority(slack, Clock())
    for number in range(KEPT_MAX + 1):
        await check.allows("T1", f"U{number}")
    await check.allows("T1", f"U{KEPT_MAX}")  # the newest is kept
    await check.allows("T1", "U0")  # the oldest was dropped: asked again
    assert len(slack.calls) == KEPT_MAX + 2
