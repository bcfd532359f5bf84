"""The real bot, started in the test's event loop against a fake Discord, and ways to talk to it as users do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.discord.app import FaqBot, create_bot
from bot.holder import EngineHolder
from bot.settings import load_settings
from bot.store import Store
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.server import WAIT_SECONDS, FakeDiscord, Request

FIXTURE_KNOWLEDGE = Path(__file__).resolve().parents[2] / "fixtures" / "knowledge"
TOKEN = "MjIyMjIyMjIyMjIyMjIyMjIy.GeEeEe.e2e-bot-token-0123456789abcdef"
POLL_SECONDS = 0.01
CALLBACK = r"/interactions/{id}/[^/]+/callback"


@dataclass
class Harness:
    fake: FakeDiscord
    bot: FaqBot

    async def interact(
        self, kind: int, data: dict[str, Any], asker: dict[str, Any] | None = None, **options: Any
    ) -> Request:
        """Send one interaction and return the bot's callback for it."""
        interaction_id = self.fake.new_id()
        payload = payloads.interaction(interaction_id, kind, data, asker or payloads.user(), **options)
        await self.fake.dispatch("INTERACTION_CREATE", payload)
        return await self.fake.wait_for_request("POST", CALLBACK.format(id=interaction_id))

    async def ask(self, question: str, asker: dict[str, Any] | None = None, **options: Any) -> Request:
        return await self.interact(
            2, payloads.slash("ask", [payloads.string_option("question", question)]), asker, **options
        )

    async def click(
        self,
        message_body: dict[str, Any],
        custom_id: str,
        component_type: int,
        values: list[str] | None = None,
        clicker: dict[str, Any] | None = None,
    ) -> Request:
        """Click a component of a message the bot sent (its callback body), as Discord reports it."""
        message = payloads.message(self.fake.new_id(), payloads.CHANNEL_ID, payloads.BOT_USER, message_body)
        data = payloads.component(custom_id, component_type, values)
        return await self.interact(3, data, clicker, message_payload=message)

    async def post_message(
        self, content: str, *, channel_id: int = payloads.CHANNEL_ID, dm: bool = False, mention: bool = True
    ) -> dict[str, Any]:
        """A member's message as MESSAGE_CREATE; returns its payload."""
        author = payloads.user()
        mentions = [{**payloads.BOT_USER, "member": payloads.member(payloads.BOT_USER)}] if mention else []
        text = f"<@{payloads.BOT_ID}> {content}" if mention else content
        payload = payloads.message(
            self.fake.new_id(),
            payloads.DM_CHANNEL_ID if dm else channel_id,
            author,
            {"content": text},
            guild_id=None if dm else payloads.GUILD_ID,
            mentions=mentions,
        )
        await self.fake.dispatch("MESSAGE_CREATE", payload)
        return payload


def components_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every component of a message body (callback `data`, or a message), flattened from its action rows."""
    return [item for row in body.get("components", []) for item in row.get("components", [])]


async def _until_guild_known(bot: FaqBot, task: asyncio.Task[None]) -> None:
    """Interactions work once the guild is known; READY itself comes later (discord.py waits 2 s for more
    guilds), so waiting for it would only slow every test down."""
    for _ in range(int(WAIT_SECONDS / POLL_SECONDS)):
        if task.done():
            task.result()  # the bot stopped before it was connected: raise why
            raise AssertionError("the bot stopped before it was connected")
        if bot.get_guild(payloads.GUILD_ID) is not None:
            return
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError("the bot never received its guild")


@asynccontextmanager
async def running_bot(
    store: Store | None = None, guild_ids: Sequence[int] = (payloads.GUILD_ID,), **overrides: Any
) -> AsyncIterator[Harness]:
    """The bot connected to a fake Discord that puts it in `guild_ids` (the test server's first)."""
    fake = FakeDiscord(TOKEN, guild_ids)
    await fake.start()
    settings = load_settings(
        discord_token=TOKEN,
        discord_api_base=fake.api_base,
        discord_gateway_url=fake.gateway_url,
        knowledge_dir=overrides.pop("knowledge_dir", FIXTURE_KNOWLEDGE),
        discord_guild_ids=str(payloads.GUILD_ID),
        **overrides,
    )
    holder = EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin)
    bot = create_bot(settings, holder, store)
    task = asyncio.create_task(bot.start(TOKEN))
    try:
        await _until_guild_known(bot, task)
        yield Harness(fake, bot)
    finally:
        await bot.close()
        await asyncio.wait_for(task, WAIT_SECONDS)
        await fake.stop()
