"""One way to talk to the real bot on either platform, so one table of cases runs against fake Discord and Slack.

A `Chat` sends a member's message the way `bot.policy.Via` names it, and reads back what the bot sent for that
message alone: Discord replies name the message they answer (or the interaction), Slack replies its thread or
response URL. Both bots record into a store in the data folder given, read back once the bot is closed.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.policy import Verdict, Via
from bot.settings import load_settings
from bot.store import open_store
from tests.e2e.fake_discord import payloads as discord_payloads
from tests.e2e.fake_discord.harness import CALLBACK, Harness, running_bot
from tests.e2e.fake_slack import payloads as slack_payloads
from tests.e2e.fake_slack.harness import Running, running_slack

EPHEMERAL = 1 << 6
SLACK_ANSWER_CHANNEL = "C9ANSWERS"
# The shipped engine settings and no cooldown on both platforms: a case and its marker come from one member in a row.
SETTINGS: dict[str, Any] = {"cooldown_seconds": 0}


@dataclass(frozen=True)
class Said:
    via: Via
    key: str  # what the bot's replies to it carry: a message id, an interaction id, a thread ts, a response URL


@dataclass(frozen=True)
class Seen:
    """One thing the bot sent for a message: who can see it, and its text (a title, a notice or a fallback)."""

    verdict: Verdict
    text: str


class Chat(Protocol):
    name: str

    async def say(self, via: Via, text: str) -> Said: ...

    def replies(self, said: Said) -> list[Seen]: ...

    async def wait_until(self, predicate: Callable[[], Any]) -> Any: ...


@dataclass
class DiscordChat:
    harness: Harness
    name = "discord"

    async def say(self, via: Via, text: str) -> Said:
        fake = self.harness.fake
        if via is Via.ASK:
            interaction_id = fake.new_id()
            command = discord_payloads.slash("ask", [discord_payloads.string_option("question", text)])
            payload = discord_payloads.interaction(interaction_id, 2, command, discord_payloads.user())
            await fake.dispatch("INTERACTION_CREATE", payload)
            return Said(via, str(interaction_id))
        channel = discord_payloads.ANSWER_CHANNEL_ID if via is Via.CHANNEL else discord_payloads.CHANNEL_ID
        message = await self.harness.post_message(
            text, channel_id=channel, dm=via is Via.DM, mention=via is Via.MENTION
        )
        return Said(via, str(message["id"]))

    def replies(self, said: Said) -> list[Seen]:
        seen = []
        for request in self.harness.fake.requests:
            if request.method != "POST":
                continue
            if said.via is Via.ASK and request.path.startswith(CALLBACK.split("{")[0] + said.key + "/"):
                data = request.body["data"]
                verdict = Verdict.PRIVATE if data.get("flags", 0) & EPHEMERAL else Verdict.PUBLIC
                seen.append(Seen(verdict, _discord_text(data)))
            elif said.via is not Via.ASK and request.path.endswith("/messages") and _answers(request.body) == said.key:
                seen.append(Seen(Verdict.PUBLIC, _discord_text(request.body)))  # a message reply is public
        return seen

    async def wait_until(self, predicate: Callable[[], Any]) -> Any:
        return await self.harness.fake.wait_until(predicate)


def _answers(body: dict[str, Any]) -> str:
    """The id of the message a Discord reply answers."""
    return str((body.get("message_reference") or {}).get("message_id"))


def _discord_text(body: dict[str, Any]) -> str:
    return body["embeds"][0]["title"] if body.get("embeds") else body["content"]


@dataclass
class SlackChat:
    running: Running
    name = "slack"

    def __post_init__(self) -> None:
        self._urls = itertools.count(1)

    async def say(self, via: Via, text: str) -> Said:
        fake = self.running.fake
        if via is Via.ASK:
            name = f"ask-{next(self._urls)}"
            await fake.envelope("slash_commands", slack_payloads.slash(text, fake.response_url(name)))
            return Said(via, name)
        if via is Via.CHANNEL:
            event = slack_payloads.message(text, channel=SLACK_ANSWER_CHANNEL, channel_type="channel")
        elif via is Via.MENTION:
            event = slack_payloads.mention(text)
        else:
            event = slack_payloads.message(text)
        await fake.envelope("events_api", event)
        return Said(via, event["event"]["ts"])

    def replies(self, said: Said) -> list[Seen]:
        seen = []
        for call in self.running.fake.calls:
            body = call.body
            if said.via is Via.ASK and call.method == "response_url" and body["response_url"] == said.key:
                verdict = Verdict.PUBLIC if body["response_type"] == "in_channel" else Verdict.PRIVATE
                seen.append(Seen(verdict, body["text"]))
            elif said.via is not Via.ASK and body.get("thread_ts") == said.key:
                if call.method == "chat.postMessage":
                    seen.append(Seen(Verdict.PUBLIC, body["text"]))
                elif call.method == "chat.postEphemeral":
                    seen.append(Seen(Verdict.PRIVATE, body["text"]))
        return seen

    async def wait_until(self, predicate: Callable[[], Any]) -> Any:
        return await self.running.fake.wait_until(predicate)


async def recorded(data_dir: Path) -> list[str]:
    """The questions a closed bot's store kept (closing writes everything queued, also a batch in flight)."""
    store = await open_store(load_settings(_env_file=None, data_dir=data_dir))
    try:
        return [row.question for row in await store.questions()]
    finally:
        await store.close()


@asynccontextmanager
async def discord_chat(data_dir: Path, **overrides: Any) -> AsyncIterator[DiscordChat]:
    settings = {"discord_answer_channel_ids": str(discord_payloads.ANSWER_CHANNEL_ID), **SETTINGS, **overrides}
    store = await open_store(load_settings(_env_file=None, data_dir=data_dir))
    try:
        async with running_bot(store, **settings) as harness:
            yield DiscordChat(harness)
    finally:
        await store.close()


@asynccontextmanager
async def slack_chat(data_dir: Path, **overrides: Any) -> AsyncIterator[SlackChat]:
    settings = {"slack_answer_channel_ids": SLACK_ANSWER_CHANNEL, **SETTINGS, **overrides}
    async with running_slack(data_dir, **settings) as running:
        yield SlackChat(running)


CHATS = {"discord": discord_chat, "slack": slack_chat}


async def reply_to(chat: Chat, said: Said) -> Seen:
    """The one reply the bot sent for `said`, waited for (bounded by the fake's wait)."""
    (seen,) = await chat.wait_until(lambda: chat.replies(said))
    return seen


async def assert_silent(chat: Chat, said: Said, marker: Said) -> None:
    """Nothing came for `said`: the bot takes messages in the order they come, so once it has answered `marker`,
    sent after by the same way, it has decided on `said` too. No sleep, and no wait for what never comes."""
    await reply_to(chat, marker)
    assert chat.replies(said) == []
