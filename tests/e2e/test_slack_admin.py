"""`/faq` and "Save as FAQ card" on the fake Slack: refused to anyone who is no admin on every path, a report of this
workspace alone, a card added from the form that `bot check` passes and answers next, a shortcut that fills the
form in from a reply in a thread, and a learned phrasing approved from `/faq learn` that answers next."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot import admin_replies
from bot.cards import load_knowledge_strict
from bot.cli import main
from bot.learn import review
from bot.learn.learned import question_key
from bot.slack import cards, forms
from bot.slack.authority import REFUSED
from bot.store import learning as records
from bot.store.learning import State
from tests.e2e.fake_slack import payloads
from tests.e2e.fake_slack.harness import DECLINING, Running, running_slack
from tests.e2e.fake_slack.server import ADMIN_ID, TEAM_ID, Call, FakeSlack, user
from tests.e2e.test_slack_buttons import buttons
from tests.e2e.test_slack_scope import from_elsewhere

pytestmark = pytest.mark.e2e

QUESTION = "When does the summer tournament start?"
UNSEEN = "which menu gives me my tags"  # declined on the fixture cards, with `roles` offered
SOURCE = "https://example.org/events Events page, Summer"


def knowledge_copy(tmp_path: Path) -> Path:
    from tests.conftest import FIXTURE_KNOWLEDGE

    return Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))


def text_of(call: Call) -> str:
    """Everything a reply shows, its blocks' text joined."""
    shown = [call.body.get("text") or ""]
    for block in call.body.get("blocks") or []:
        if "text" in block:
            shown.append(block["text"]["text"])
        shown += [element.get("text", "") for element in block.get("elements", []) if isinstance(element, dict)]
    return "\n".join(str(part) for part in shown)


_replies = iter(range(1, 1_000_000))


async def reply_to(fake: FakeSlack, name: str) -> Call:
    """The bot's post to the response URL `name`."""
    calls = await fake.wait_until(lambda: [c for c in fake.of("response_url") if c.body["response_url"] == name])
    return calls[0]


async def faq(fake: FakeSlack, text: str, user_id: str = ADMIN_ID) -> Call:
    """`/faq text` sent by `user_id`: the reply to its response URL."""
    name = f"faq{next(_replies)}"
    await fake.envelope("slash_commands", payloads.slash(text, fake.response_url(name), user_id, command="/faq"))
    return await reply_to(fake, name)


async def open_form(fake: FakeSlack, text: str = "add") -> dict[str, Any]:
    """`/faq add` (or `edit …`) by the admin: the form Slack is asked to open."""
    count = len(fake.of("views.open"))
    await fake.envelope(
        "slash_commands", payloads.slash(text, fake.response_url(f"form{count}"), ADMIN_ID, command="/faq")
    )
    view: dict[str, Any] = (await fake.wait_for("views.open", count + 1)).body["view"]
    return view


def prefilled(view: dict[str, Any]) -> dict[str, str]:
    return {block["block_id"]: block["element"].get("initial_value", "") for block in view["blocks"]}


async def send_form(fake: FakeSlack, view: dict[str, Any], values: dict[str, str], user_id: str = ADMIN_ID) -> Any:
    """The form sent back: Slack's acknowledgement payload (None when the form simply closes)."""
    payload = payloads.view_submission(view, values, user_id)
    ack = await fake.acked(await fake.envelope("interactive", payload, accepts_response_payload=True))
    return ack.get("payload")


def card_values(question: str = QUESTION, source: str = SOURCE) -> dict[str, str]:
    return {
        "question": question,
        "phrasings": "summer tournament start date\nwhen is the summer cup",
        "answer": "It starts on the first Saturday of July; sign up in #events.",
        "tags": "events, tournaments",
        "source": source,
    }


async def ask(fake: FakeSlack, question: str) -> Call:
    name = f"ask{next(_replies)}"
    await fake.envelope("slash_commands", payloads.slash(question, fake.response_url(name)))
    return await reply_to(fake, name)


async def test_someone_who_is_no_admin_is_refused_on_every_admin_path(tmp_path: Path) -> None:
    knowledge = knowledge_copy(tmp_path)
    async with running_slack(tmp_path / "data", knowledge_dir=knowledge) as slack:
        fake = slack.fake
        proposal = await records.propose(slack.store, question_key(UNSEEN), UNSEEN, "roles", State.PROPOSED)
        assert proposal is not None
        for text in ("unanswered", "add", "learn", "reload", "edit roles", "help"):
            assert text_of(await faq(fake, text, user_id="U1ASKER")) == f"{REFUSED}\n{REFUSED}"
        listing = await faq(fake, "learn")  # an admin's list, clicked by a member
        approve = buttons(listing)["faq_learn:approve"]
        posted = {"channel": "C1GENERAL", "ts": "1700000000.000001"}
        await fake.envelope("interactive", payloads.block_action(approve, posted, fake.response_url("c"), "U1ASKER"))
        assert text_of(await reply_to(fake, "c")) == f"{REFUSED}\n{REFUSED}"
        form = await open_form(fake)
        ack = await send_form(fake, form, card_values(), user_id="U1ASKER")
        shortcut = payloads.message_shortcut(
            {"ts": "1690000001.000100", "user": "U1ASKER", "text": "hi"}, "s", "U1ASKER"
        )
        shortcut["response_url"] = fake.response_url("shortcut")
        await fake.envelope("interactive", shortcut)
        refused_shortcut = await fake.wait_for("response_url", 9)
        phrasings = await records.phrasings(slack.store, State.PROPOSED)
    assert ack == {"response_action": "errors", "errors": {"question": REFUSED}}
    assert text_of(refused_shortcut) == f"{REFUSED}\n{REFUSED}"
    assert len(fake.of("views.open")) == 1  # the admin's form only
    assert not (knowledge / "cards" / "added").exists()
    assert [phrasing.id for phrasing in phrasings] == [proposal.id]


async def test_the_settings_admins_and_group_are_allowed_and_a_failed_lookup_refuses(tmp_path: Path) -> None:
    async with running_slack(tmp_path, slack_admin_user_ids="U5NAMED", slack_admin_group_id="S1MODS") as slack:
        fake = slack.fake
        fake.users["U6MOD"] = user("U6MOD", "Mo")
        fake.users["U7OTHER"] = user("U7OTHER", "Ot")
        fake.users["U8GUEST"] = user("U8GUEST", "Gu", team="T0OTHER", is_admin=True)  # another workspace's admin
        fake.groups["S1MODS"] = ["U6MOD"]
        replies = {who: text_of(await faq(fake, "help", who)) for who in ("U5NAMED", "U6MOD", "U7OTHER", "U8GUEST")}
        fake.scripted["users.info"] = [(200, {})]  # Slack answers with an error
        failed = text_of(await faq(fake, "help", "U4UNKNOWN"))
    assert "/faq unanswered" in replies["U5NAMED"]
    assert "/faq unanswered" in replies["U6MOD"]
    assert "&lt;card title or id&gt;" in replies["U6MOD"]  # shown, not read as a link
    assert REFUSED in replies["U7OTHER"]
    assert REFUSED in replies["U8GUEST"]
    assert REFUSED in failed
    assert [call.body["user"] for call in fake.of("users.info")] == ["U6MOD", "U7OTHER", "U8GUEST", "U4UNKNOWN"]
    assert len(fake.of("usergroups.users.list")) == 1  # kept for the next lookups


async def test_unanswered_shows_only_this_workspaces_questions(tmp_path: Path) -> None:
    async with running_slack(tmp_path, **DECLINING) as slack:
        fake = slack.fake
        ours = payloads.slash("how fast does a swallow fly", fake.response_url("ours"))
        theirs = from_elsewhere(payloads.slash("how do i bake sourdough bread", fake.response_url("theirs")))
        for payload in (ours, theirs):
            await fake.envelope("slash_commands", payload)
        await reply_to(fake, "ours")
        await reply_to(fake, "theirs")
        await _recorded(slack, 2)
        report = text_of(await faq(fake, "unanswered"))
        stats = text_of(await faq(fake, "stats 7"))
        bad = text_of(await faq(fake, "unanswered forever"))
    assert admin_replies.REPORT_TITLES["unanswered"] in report
    assert f"Scope: slack workspace {TEAM_ID} only" in report or TEAM_ID in report
    assert "how fast does a swallow fly" in report
    assert "sourdough" not in report
    assert admin_replies.REPORT_TITLES["stats"] in stats
    assert "whole number" in bad


async def _recorded(slack: Running, count: int) -> None:
    async with asyncio.timeout(5):
        while len(await slack.store.questions()) < count:  # noqa: ASYNC110 - the database has no event to wait on
            await asyncio.sleep(0.05)


async def test_a_card_added_in_the_form_passes_bot_check_and_answers_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    knowledge = knowledge_copy(tmp_path)
    async with running_slack(tmp_path / "data", knowledge_dir=knowledge) as slack:
        fake = slack.fake
        cards_before = len(slack.holder.engine.cards)
        form = await open_form(fake)
        assert form["callback_id"] == forms.ADD
        refused = await send_form(fake, form, card_values(question="How do I get a role?"))
        assert not (knowledge / "cards" / "added").exists()
        assert await send_form(fake, form, card_values()) is None  # checked and written: the form closes
        saved = text_of(await reply_to(fake, "form0"))
        answer = await ask(fake, "when does the summer tournament start")
    path = knowledge / "cards" / "added" / "when-does-the-summer-tournament-start.md"
    assert refused["response_action"] == "errors"
    assert "How do I get a role?" in refused["errors"]["question"]
    assert "Saved as cards/added/when-does-the-summer-tournament-start.md." in saved
    assert admin_replies.RELOADED.format(cards=cards_before + 1) in saved
    card = load_knowledge_strict(knowledge).cards[path.stem]
    assert card.questions == (QUESTION, "summer tournament start date", "when is the summer cup")
    assert card.tags == ("events", "tournaments")
    assert (card.source.url, card.source.title, card.source.section) == (
        "https://example.org/events",
        "Events page",
        "Summer",
    )
    assert answer.body["blocks"][1]["text"]["text"] == QUESTION
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge))
    assert await asyncio.to_thread(main, ["check"]) == 0


async def test_edit_changes_the_cards_answer_in_its_file(tmp_path: Path) -> None:
    knowledge = knowledge_copy(tmp_path)
    async with running_slack(tmp_path / "data", knowledge_dir=knowledge) as slack:
        fake = slack.fake
        card = slack.holder.engine.knowledge.cards["roles"]
        missing = text_of(await faq(fake, "edit how do i get a rolez"))
        form = await open_form(fake, "edit roles")
        shown = prefilled(form)
        assert shown["question"] == card.title
        values = {"question": shown["question"], "phrasings": shown["phrasings"], "answer": "Pick them in #roles."}
        assert await send_form(fake, form, values) is None
        saved = text_of(await reply_to(fake, "form0"))
        again = await send_form(fake, form, values)  # the file changed since this form opened
    assert "Did you mean" in missing
    assert card.title in missing
    assert saved.startswith("Saved cards/")
    assert load_knowledge_strict(knowledge).cards["roles"].answer.strip() == "Pick them in #roles."
    assert again["response_action"] == "errors"
    assert "changed since" in again["errors"]["answer"]


async def test_save_as_faq_card_opens_the_form_filled_in_from_the_reply_in_a_thread(tmp_path: Path) -> None:
    knowledge = knowledge_copy(tmp_path)
    async with running_slack(tmp_path / "data", knowledge_dir=knowledge) as slack:
        fake = slack.fake
        parent, reply = "1690000000.000100", "1690000050.000200"
        fake.threads[("C1GENERAL", parent)] = [{"ts": parent, "user": "U3OTHER", "text": "How do I join the cup?"}]
        message = {
            "ts": reply,
            "thread_ts": parent,
            "user": "U1ASKER",
            "text": "Sign up in <#C2EVENTS|events> by Friday",
        }
        shortcut = payloads.message_shortcut(message, fake.response_url("shortcut"))
        await fake.envelope("interactive", shortcut)
        view: dict[str, Any] = (await fake.wait_for("views.open")).body["view"]
        shown = prefilled(view)
        assert await send_form(fake, view, {**shown, "tags": "events"}) is None
        saved = text_of(await reply_to(fake, "shortcut"))
    assert shown["question"] == "How do I join the cup?"
    assert shown["answer"] == "Sign up in #events by Friday"
    assert shown["source"] == "https://fake.slack.com/archives/C1GENERAL/p1690000050000200 Sam in #help, 2023-07-22"
    assert json.loads(view["private_metadata"])["folder"] == "captured"
    assert "cards/captured/how-do-i-join-the-cup.md" in saved
    card = load_knowledge_strict(knowledge).cards["how-do-i-join-the-cup"]
    assert (card.source.title, card.source.section) == ("Sam in #help", "2023-07-22")


async def test_approving_a_proposal_in_faq_learn_makes_it_answer(tmp_path: Path) -> None:
    async with running_slack(tmp_path) as slack:
        fake = slack.fake
        declined = await ask(fake, UNSEEN)
        assert declined.body["response_type"] == "ephemeral"  # not answered yet
        await records.propose(slack.store, question_key(UNSEEN), UNSEEN, "roles", State.PROPOSED)
        listing = await faq(fake, "learn")
        engine = slack.holder.engine
        approve = buttons(listing)["faq_learn:approve"]
        posted = {"channel": "C1GENERAL", "ts": "1700000000.000001"}
        await fake.envelope("interactive", payloads.block_action(approve, posted, fake.response_url("ok"), ADMIN_ID))
        after = await reply_to(fake, "ok")
        await fake.wait_until(lambda: slack.holder.engine is not engine)  # rebuilt with the phrasing
        answer = await ask(fake, UNSEEN)
        live = await records.phrasings(slack.store, State.LIVE)
    assert review.TITLE.format(count=1) in text_of(listing)
    assert after.body["replace_original"] is True
    assert review.APPROVED.format(question=UNSEEN, card="roles") in text_of(after)
    assert review.NOTHING in text_of(after)
    assert [phrasing.question for phrasing in live] == [UNSEEN]
    assert answer.body["response_type"] == "in_channel"
    assert answer.body["blocks"][1]["text"]["text"] == slack.holder.engine.knowledge.cards["roles"].title


async def test_a_check_slower_than_slacks_deadline_closes_the_form_and_says_the_result_by_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cards, "ANSWER_SECONDS", 0.0)  # every check is too slow to answer in the form
    knowledge = knowledge_copy(tmp_path)
    async with running_slack(tmp_path / "data", knowledge_dir=knowledge) as slack:
        fake = slack.fake
        form = await open_form(fake)
        closed = await send_form(fake, form, card_values(question="How do I get a role?"))
        refused = text_of(await reply_to(fake, "form0"))
    assert closed is None
    assert admin_replies.NOT_SAVED in refused
    assert "How do I get a role?" in refused
    assert not (knowledge / "cards" / "added").exists()
