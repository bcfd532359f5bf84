"""What real Discord does on a bad day: closed and dropped gateways, rate limits, server errors, odd events, floods."""

from __future__ import annotations

import logging
import statistics
import time

import pytest

from bot import replies
from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import CALLBACK, running_bot
from tests.e2e.fake_discord.server import Fault

pytestmark = pytest.mark.e2e

FLOOD = 50


async def assert_still_answers(bot) -> None:  # type: ignore[no-untyped-def]
    card = bot.bot.holder.engine.cards[0]
    assert (await bot.ask(card.title)).body["data"]["embeds"][0]["title"] == card.title


async def test_gateway_close_4000_is_resumed() -> None:
    async with running_bot() as bot:
        await bot.fake.close_gateway(4000)
        await bot.fake.wait_until(lambda: bot.fake.resumes == 1)
        assert bot.fake.identifies == 1  # resumed, not a new session
        await assert_still_answers(bot)


async def test_a_dropped_connection_resumes_and_replays_what_was_missed() -> None:
    async with running_bot() as bot:
        bot.fake.drop_connection()
        card = bot.bot.holder.engine.cards[1]
        # dispatched while no connection is up: delivered by the RESUME replay
        callback = await bot.ask(card.title)
        assert callback.body["data"]["embeds"][0]["title"] == card.title
        assert bot.fake.resumes == 1
        assert bot.fake.identifies == 1


async def test_a_429_on_the_interaction_callback_is_retried_after_retry_after() -> None:
    async with running_bot() as bot:
        bot.fake.faults.append(
            Fault(
                "POST",
                r"/interactions/\d+/[^/]+/callback",
                429,
                {"message": "You are being rate limited.", "retry_after": 0.3, "global": False},
                {"Retry-After": "0.3", "Via": "1.1 google", "X-RateLimit-Scope": "user"},
            )
        )
        started = time.perf_counter()
        callback = await bot.ask(bot.bot.holder.engine.cards[0].title)
        assert time.perf_counter() - started >= 0.3
        statuses = [r.status for r in bot.fake.requests if r.path.endswith("/callback")]
        assert statuses == [429, 200]
        assert callback.body["data"]["embeds"]


async def test_a_500_from_the_api_is_retried() -> None:
    async with running_bot() as bot:
        path = rf"/channels/{payloads.DM_CHANNEL_ID}/messages"
        bot.fake.faults.append(Fault("POST", path, 500, {"message": "500: Internal Server Error", "code": 0}))
        card = bot.bot.holder.engine.cards[0]
        await bot.post_message(card.title, dm=True, mention=False)
        sent = await bot.fake.wait_for_request("POST", path)
        assert sent.body["embeds"][0]["title"] == card.title
        assert [r.status for r in bot.fake.requests if r.path == path] == [500, 200]


async def test_a_failing_send_is_logged_and_the_bot_stays_up(caplog: pytest.LogCaptureFixture) -> None:
    async with running_bot() as bot:
        path = rf"/channels/{payloads.DM_CHANNEL_ID}/messages"
        forbidden = {"message": "Missing Permissions", "code": 50013}
        bot.fake.faults.append(Fault("POST", path, 403, forbidden, times=2))
        await bot.post_message(bot.bot.holder.engine.cards[0].title, dm=True, mention=False)
        # the reply fails, then the apology fails too
        await bot.fake.wait_until(lambda: len([r for r in bot.fake.requests if r.status == 403]) == 2)
        await assert_still_answers(bot)
        assert any(record.message == "handler failed" for record in caplog.records)


async def test_malformed_events_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    async with running_bot() as bot:
        fake = bot.fake
        good = payloads.interaction(fake.new_id(), 2, payloads.slash("ask"), payloads.user())
        await fake.dispatch("INTERACTION_CREATE", {**good, "id": "not-a-snowflake"})
        await fake.dispatch("INTERACTION_CREATE", {"type": 3, "data": {}})
        await fake.dispatch("MESSAGE_CREATE", {"id": "1", "content": "no channel, no author"})
        await fake.dispatch("GUILD_CREATE", None)
        await fake.dispatch("NOT_AN_EVENT", {"x": 1})
        await fake.send_raw({"op": 0, "t": "MESSAGE_CREATE", "s": fake.sequence + 1, "d": []})
        fake.sequence += 1
        await assert_still_answers(bot)
        skipped = [r for r in caplog.records if r.message == "skipped a malformed gateway event"]
        assert len(skipped) >= 5


async def test_a_flood_of_50_interactions_is_answered(caplog: pytest.LogCaptureFixture) -> None:
    """Also prints the time from an interaction to its reply (p50/p95) as the fake Discord sees it."""
    caplog.set_level(logging.WARNING)
    async with running_bot() as bot:
        cards = bot.bot.holder.engine.cards
        fake = bot.fake
        sent_at: dict[int, float] = {}
        for index in range(FLOOD):
            interaction_id = fake.new_id()
            question = payloads.slash("ask", [payloads.string_option("question", cards[index % len(cards)].title)])
            payload = payloads.interaction(interaction_id, 2, question, payloads.user())
            sent_at[interaction_id] = time.perf_counter()
            await fake.dispatch("INTERACTION_CREATE", payload)
        replies_by_id = {}
        for interaction_id in sent_at:
            replies_by_id[interaction_id] = await fake.wait_for_request("POST", CALLBACK.format(id=interaction_id))
        latencies = sorted((replies_by_id[i].at - sent_at[i]) * 1000 for i in sent_at)
        assert len(latencies) == FLOOD
        assert all(r.body["data"]["embeds"] for r in replies_by_id.values())
        print_latencies("all at once", latencies)


async def test_50_questions_one_after_another() -> None:
    """Prints the time from an interaction to its reply when each question waits for the previous answer."""
    async with running_bot() as bot:
        cards = bot.bot.holder.engine.cards
        latencies = []
        for index in range(FLOOD):
            started = time.perf_counter()
            callback = await bot.ask(cards[index % len(cards)].title, payloads.user())
            latencies.append((callback.at - started) * 1000)
            assert callback.body["data"]["embeds"]
        print_latencies("one after another", sorted(latencies))


def print_latencies(how: str, latencies: list[float]) -> None:
    p50 = statistics.median(latencies)
    p95 = latencies[round(0.95 * len(latencies)) - 1]
    print(f"\n/ask interaction to reply, {len(latencies)} interactions {how}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")


async def test_an_error_in_a_command_gets_an_apology(monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_bot() as bot:

        async def broken(question: str, asker: object) -> None:
            raise RuntimeError("engine exploded")

        monkeypatch.setattr(bot.bot.answerer, "ask", broken)
        callback = await bot.ask("anything")
        assert callback.body["data"]["content"] == replies.ERROR
        monkeypatch.undo()
        await assert_still_answers(bot)
