"""`/faq remove` on the fake Slack: a confirmation first, then the card's file gone and the card answering no more;
Cancel, someone who is no admin, another admin and a card another card relates to all leave the file as it was."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import admin_replies
from bot.slack import remove
from bot.slack.authority import REFUSED
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import running_slack
from tests.e2e.fake_slack.server import ADMIN_ID, Call, FakeSlack
from tests.e2e.test_slack_admin import ask, faq, knowledge_copy, reply_to, text_of
from tests.e2e.test_slack_buttons import buttons

pytestmark = pytest.mark.e2e

EVENTS = "When is the next community event?"  # the title of the fixture card `events`, which no card relates to
ASKED = "when is the next community event"
POSTED = {"channel": "C1GENERAL", "ts": "1700000000.000001"}  # where the confirmation is shown to its admin


async def click(fake: FakeSlack, confirmation: Call, action: str, name: str, user: str = ADMIN_ID) -> Call:
    """Remove or Cancel (`action`) pressed on a confirmation by `user`: the reply to response URL `name`."""
    button = buttons(confirmation)[f"faq_remove:{action}"]
    await fake.envelope("interactive", payloads.block_action(button, POSTED, fake.response_url(name), user))
    return await reply_to(fake, name)


def answered_with(reply: Call) -> str | None:
    """The title of the card an `/ask` reply answers with, or None for a decline (shown to the asker alone)."""
    if reply.body["response_type"] != "in_channel":
        return None
    title: str = reply.body["blocks"][1]["text"]["text"]
    return title


async def test_an_admin_removes_a_card_after_confirming_and_it_answers_no_more(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    knowledge = knowledge_copy(tmp_path)
    path = knowledge / "cards" / "server" / "events.md"
    async with running_slack(tmp_path / "data", knowledge_dir=knowledge) as slack:
        fake = slack.fake
        cards_before = len(slack.holder.cards)
        before = await ask(fake, ASKED)
        confirmation = await faq(fake, f"remove {EVENTS}")
        still_there = path.exists()
        with caplog.at_level(logging.INFO, logger="bot.card_removal"):
            done = await click(fake, confirmation, "confirm", "removed")
        after = await ask(fake, ASKED)
        again = await click(fake, confirmation, "confirm", "again")  # the same button, once more
    assert answered_with(before) == EVENTS
    shown = text_of(confirmation)
    assert admin_replies.CONFIRM_REMOVE.format(title=EVENTS) in shown
    assert "cards/server/events.md" in shown
    assert confirmation.body["response_type"] == "ephemeral"
    assert still_there
    assert done.body["replace_original"] is True
    assert "Removed cards/server/events.md." in text_of(done)
    assert admin_replies.RELOADED.format(cards=cards_before - 1) in text_of(done)
    assert not path.exists()
    assert answered_with(after) != EVENTS
    assert EVENTS not in text_of(after)
    assert text_of(again) == f"{admin_replies.NOTHING_TO_REMOVE}\n{admin_replies.NOTHING_TO_REMOVE}"
    [record] = [record for record in caplog.records if record.getMessage() == "card removed from /faq remove"]
    assert record.fields == {"user": ADMIN_ID, "team": payloads.TEAM_ID, "card": "events", "path": str(path)}


async def test_cancel_keeps_the_card(tmp_path: Path) -> None:
    knowledge = knowledge_copy(tmp_path)
    before = sorted(str(path) for path in knowledge.rglob("*"))
    async with running_slack(tmp_path / "data", knowledge_dir=knowledge) as slack:
        fake = slack.fake
        engine = slack.holder.engine
        confirmation = await faq(fake, "remove events")  # by its id
        kept = await click(fake, confirmation, "cancel", "kept")
        after = await ask(fake, ASKED)
        unchanged = slack.holder.engine is engine
    assert kept.body["replace_original"] is True
    assert remove.KEPT.format(title=EVENTS) in text_of(kept)
    assert sorted(str(path) for path in knowledge.rglob("*")) == before
    assert unchanged
    assert answered_with(after) == EVENTS


async def test_someone_who_is_no_admin_or_another_admin_cannot_remove(tmp_path: Path) -> None:
    knowledge = knowledge_copy(tmp_path)
    path = knowledge / "cards" / "server" / "events.md"
    async with running_slack(tmp_path / "data", knowledge_dir=knowledge, slack_admin_user_ids="U5NAMED") as slack:
        fake = slack.fake
        asked_by_member = await faq(fake, "remove events", user_id="U1ASKER")
        confirmation = await faq(fake, "remove events")
        member_clicks = await click(fake, confirmation, "confirm", "member", user="U1ASKER")
        other_admin_clicks = await click(fake, confirmation, "confirm", "other", user="U5NAMED")
        still_answers = answered_with(await ask(fake, ASKED))
    assert text_of(asked_by_member) == f"{REFUSED}\n{REFUSED}"
    assert text_of(member_clicks) == f"{REFUSED}\n{REFUSED}"
    assert text_of(other_admin_clicks) == f"{admin_replies.NOT_YOURS}\n{admin_replies.NOT_YOURS}"
    assert other_admin_clicks.body["replace_original"] is False  # the confirmation stays for its admin
    assert path.exists()
    assert still_answers == EVENTS


async def test_an_unknown_card_gets_the_closest_ids_and_a_related_card_is_not_removed(tmp_path: Path) -> None:
    knowledge = knowledge_copy(tmp_path)
    async with running_slack(tmp_path / "data", knowledge_dir=knowledge) as slack:
        fake = slack.fake
        usage = text_of(await faq(fake, "help"))
        unnamed = text_of(await faq(fake, "remove"))
        unknown = text_of(await faq(fake, "remove when is the next comunity"))
        confirmation = await faq(fake, "remove rules")  # the `roles` card lists it as related
        refused = await click(fake, confirmation, "confirm", "refused")
        cards = set(slack.holder.knowledge.cards)
    assert "/faq remove &lt;card title or id&gt;" in usage
    assert "Name the card to remove: `/faq remove &lt;card title or id&gt;`." in unnamed
    assert "No card has the title or id “when is the next comunity”." in unknown
    assert f"“{EVENTS}” (events)" in unknown
    assert admin_replies.REMOVAL_REFUSED in text_of(refused)
    assert "related 'rules': no card has this id" in text_of(refused)
    assert (knowledge / "cards" / "server" / "rules.md").exists()
    assert "rules" in cards
