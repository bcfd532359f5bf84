"""The real Slack service (Bolt app, Socket Mode client, store) running against `FakeSlack` in the test's loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.holder import EngineHolder
from bot.settings import Settings, load_settings
from bot.slack.service import SlackService
from bot.store import Store, open_store
from tests.conftest import FIXTURE_KNOWLEDGE
from tests.e2e.fake_slack.server import FakeSlack

BOT_TOKEN = "xoxb-1111-2222-fakeBotTokenValue"
APP_TOKEN = "xapp-1-A1-3333-fakeAppTokenValue"
PING_INTERVAL = 0.3  # quick to notice a dropped socket
# The bot runs at the shipped defaults, which answer "python setup environment" with the virtualenv card. A test of
# a decline and its "did you mean" buttons asks for this stricter threshold, which that question does not reach.
DECLINING: dict[str, Any] = {"match_threshold": 55.0, "match_margin": 6.0}


def slack_settings(fake: FakeSlack, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "slack_bot_token": BOT_TOKEN,
        "slack_app_token": APP_TOKEN,
        "slack_api_url": fake.api_url,
        "knowledge_dir": FIXTURE_KNOWLEDGE,
        "data_dir": data_dir,
        "cooldown_seconds": 0,
    }
    return load_settings(**(values | overrides))


@dataclass
class Running:
    fake: FakeSlack
    service: SlackService
    store: Store
    settings: Settings
    holder: EngineHolder


@asynccontextmanager
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(BOT_TOKEN, APP_TOKEN)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@asynccontextmanager
async def running_slack(data_dir: Path, **overrides: Any) -> AsyncIterator[Running]:
    """Slack connected over Socket Mode (hello received), then closed and checked to end cleanly."""
    async with fake_slack() as fake:
        settings = slack_settings(fake, data_dir, **overrides)
        holder = EngineHolder(settings.knowledge_dir, settings.match_threshold, settings.match_margin)
        store = await open_store(settings)
        service = SlackService(settings, holder, store, ping_interval=PING_INTERVAL)
        task = asyncio.create_task(service.run())
        try:
            await fake.wait_until(lambda: (fake.sockets and service.is_connected()) or task.done())
            assert service.is_connected(), "the Slack service did not connect"
            yield Running(fake, service, store, settings, holder)
        finally:
            await service.close()
            async with asyncio.timeout(10):
                code = await task
            await store.close()
        assert code == 0
