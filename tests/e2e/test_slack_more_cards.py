"""More… on a decline and the cards offered after a 👎, on the fake Slack: each to the clicker alone, in the
thread, and a pick from them posts the card and teaches the bot as any "did you mean" pick does."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import replies
from bot.engine import Engine
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import running_slack
from tests.e2e.test_slack_buttons import buttons, eventually
from tests.paged import GAMING, paged_question

pytestmark = pytest.mark.e2e


async def test_more_shows_the_next_cards_to_the_clicker_and_a_pick_among_them_is_recorded(tmp_path: Path) -> None:
    async with running_slack(tmp_path, knowledge_dir=GAMING, match_threshold=60.0, match_margin=0.0) as slack:
        fake = slack.fake
        question = paged_question(slack.holder.engine)
        await fake.envelope("events_api", payloads.mention(question))
        decline = await fake.wait_for("chat.postMessage")
        first = {button["value"].partition(":")[0] for name, button in buttons(decline).items() if "pick" in name}
        more = buttons(decline)["more"]
        assert more["text"]["text"] == replies.MORE

        await fake.envelope("interactive", payloads.block_action(more, decline.posted, fake.response_url("m1")))
        page = (await fake.wait_for("response_url")).body
        assert page["response_type"] == "ephemeral"
        assert page["replace_original"] is False
        assert page["thread_ts"] == decline.body["thread_ts"]
        assert replies.MORE_CARDS in page["text"]
        assert question not in page["text"]  # never echoed back
        picks = [button for button in buttons(fake.of("response_url")[0]).values() if "pick" in button["action_id"]]
        assert picks
        assert not first & {button["value"].partition(":")[0] for button in picks}

        click = payloads.block_action(picks[0], {"channel": "C1GENERAL", "ts": "1.1"}, fake.response_url("p1"))
        click["container"]["is_ephemeral"] = True
        await fake.envelope("interactive", click)
        answer = (await fake.wait_for("response_url", 2)).body
        recorded = await eventually(slack.store.picks)
    card = picks[0]["value"].partition(":")[0]
    assert answer["response_type"] == "in_channel"
    assert answer["blocks"][0]["text"]["text"] == slack.holder.knowledge.cards[card].title
    assert [row.card for row in recorded] == [card]


async def test_a_thumbs_down_offers_the_next_cards_without_the_answer(tmp_path: Path) -> None:
    async with running_slack(tmp_path, knowledge_dir=GAMING, match_threshold=1.0, match_margin=0.0) as slack:
        fake = slack.fake
        engine = slack.holder.engine
        question = paged_question(Engine(engine.knowledge, threshold=60.0, margin=0.0))
        card = engine.answer(question).card
        assert card is not None
        await fake.envelope("events_api", payloads.mention(question))
        answer = await fake.wait_for("chat.postMessage")
        down = buttons(answer)["vote:down"]
        await fake.envelope("interactive", payloads.block_action(down, answer.posted, fake.response_url("d1")))
        voted = await fake.wait_for("response_url")
        votes = await eventually(slack.store.votes)
    assert voted.body["response_type"] == "ephemeral"
    assert voted.body["text"].startswith(replies.FEEDBACK_THANKS)
    assert replies.NOT_IT in voted.body["text"]
    offered = [button["value"].partition(":")[0] for button in buttons(voted).values()]
    assert offered
    assert card.id not in offered
    assert "more" not in buttons(voted)  # one list after a 👎
    assert [(vote.card, vote.helpful) for vote in votes] == [(card.id, False)]
