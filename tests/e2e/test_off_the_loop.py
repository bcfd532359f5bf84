"""The engine never runs on the event loop's thread: every way a question reaches the bot, on Discord and on Slack,
matches on the engine's worker thread, and `/faq reload` loads and builds on a thread of its own (`python -m bench
--loop-lag` measures what that leaves of the loop's lag)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Engine
from bot.holder import EngineHolder
from tests.e2e.fake_discord import payloads as discord_payloads
from tests.e2e.fake_discord.harness import running_bot
from tests.e2e.fake_slack import payloads as slack_payloads
from tests.e2e.fake_slack.harness import running_slack
from tests.e2e.test_discord_admin import run_faq
from tests.e2e.test_discord_messages import CHANNEL_MESSAGES

pytestmark = pytest.mark.e2e


def threads_running(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> list[int]:
    """The ids of the threads `owner.name` runs on from now on, one a call; it still does its work."""
    seen: list[int] = []
    original = getattr(owner, name)

    def recorded(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(threading.get_ident())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, recorded)
    return seen


async def test_discord_questions_autocomplete_and_reload_run_off_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    loop_thread = threading.get_ident()  # the bot runs in this test's event loop
    async with running_bot() as bot:
        answers = threads_running(monkeypatch, Engine, "answer")
        completions = threads_running(monkeypatch, Engine, "autocomplete")
        # Each reload loads the cards (then builds, lays a few changed cards over the build, or keeps the engine).
        reloads = threads_running(monkeypatch, EngineHolder, "_loaded")
        card = bot.bot.holder.engine.cards[0]

        assert (await bot.ask(card.title)).body["data"]["embeds"][0]["title"] == card.title  # /ask
        await bot.post_message(card.title)  # a mention
        await bot.fake.wait_for_request("POST", CHANNEL_MESSAGES.format(channel=discord_payloads.CHANNEL_ID))
        target = discord_payloads.message(
            bot.fake.new_id(), discord_payloads.CHANNEL_ID, discord_payloads.user(), {"content": card.title}
        )
        await bot.interact(2, discord_payloads.message_command("Find answer", target))
        typed = discord_payloads.string_option("question", card.title[:5], focused=True)
        await bot.interact(4, discord_payloads.slash("ask", [typed]))
        await run_faq(bot, "reload")

    assert (len(answers), len(completions), len(reloads)) == (3, 1, 1)
    assert loop_thread not in {*answers, *completions, *reloads}
    assert reloads[0] not in answers  # a reload does not hold up questions: the old engine answers meanwhile


async def test_slack_mentions_and_ask_run_off_the_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loop_thread = threading.get_ident()
    async with running_slack(tmp_path) as slack:
        answers = threads_running(monkeypatch, Engine, "answer")
        fake = slack.fake
        await fake.envelope("events_api", slack_payloads.mention("how do I make a virtual environment?"))
        await fake.wait_for("chat.postMessage")
        await fake.envelope("slash_commands", slack_payloads.slash("How do I get a role?", fake.response_url("r1")))
        await fake.wait_for("response_url")

    assert len(answers) == 2
    assert loop_thread not in answers
