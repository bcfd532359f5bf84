"""DISCORD_ALLOWED_GUILD_IDS: the bot leaves any other server, the ones it is in at start-up and any it joins later."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.fake_discord import payloads
from tests.e2e.fake_discord.harness import running_bot

pytestmark = pytest.mark.e2e

NO_CONTENT = 204
LATER_GUILD_ID = payloads.OTHER_GUILD_ID + 1


async def test_the_bot_leaves_every_server_not_allowed_at_start_up_and_when_added(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord.guilds")
    guilds = (payloads.GUILD_ID, payloads.OTHER_GUILD_ID)
    async with running_bot(guild_ids=guilds, discord_allowed_guild_ids=str(payloads.GUILD_ID)) as bot:
        fake = bot.fake
        await fake.wait_for_request("DELETE", rf"/users/@me/guilds/{payloads.OTHER_GUILD_ID}", NO_CONTENT)
        added = {key: value for key, value in payloads.guild(LATER_GUILD_ID).items() if key != "unavailable"}
        await fake.dispatch("GUILD_CREATE", added)  # as Discord tells of a server the bot was just added to
        await fake.wait_for_request("DELETE", rf"/users/@me/guilds/{LATER_GUILD_ID}", NO_CONTENT)
        left = [request.path for request in fake.requests if request.method == "DELETE"]
    assert left == [f"/users/@me/guilds/{payloads.OTHER_GUILD_ID}", f"/users/@me/guilds/{LATER_GUILD_ID}"]
    assert [record.getMessage() for record in caplog.records if record.name == "bot.discord.guilds"] == [
        f"left server {guild_id} (Server {guild_id}): it is not in DISCORD_ALLOWED_GUILD_IDS"
        for guild_id in (payloads.OTHER_GUILD_ID, LATER_GUILD_ID)
    ]


async def test_a_server_not_allowed_gets_no_answer_though_leaving_it_has_not_happened() -> None:
    guilds = (payloads.GUILD_ID, payloads.OTHER_GUILD_ID)
    async with running_bot(guild_ids=guilds, discord_allowed_guild_ids=str(payloads.GUILD_ID)) as bot:
        assert not bot.bot.serves(payloads.OTHER_GUILD_ID)
        title = bot.bot.holder.engine.cards[0].title
        mention = [{**payloads.BOT_USER, "member": payloads.member(payloads.BOT_USER)}]
        elsewhere = payloads.message(
            bot.fake.new_id(),
            payloads.CHANNEL_ID,
            payloads.user(),
            {"content": f"<@{payloads.BOT_ID}> {title}"},
            guild_id=payloads.OTHER_GUILD_ID,
            mentions=mention,
        )
        await bot.fake.dispatch("MESSAGE_CREATE", elsewhere)
        marker = await bot.post_message(title, dm=True, mention=False)  # answered once the one above was dealt with
        sent = await bot.fake.wait_for_request("POST", f"/channels/{payloads.DM_CHANNEL_ID}/messages")
        assert str(sent.body["message_reference"]["message_id"]) == marker["id"]
        assert [r for r in bot.fake.requests if r.method == "POST" and r.path.startswith("/channels/")] == [sent]
