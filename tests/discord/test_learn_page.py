"""`/faq learn`'s pages: four proposals a page, each with its buttons, and the page buttons only when needed."""

from __future__ import annotations

from typing import Any

from bot.discord.learn import NOTHING, PAGE_SIZE, LearnButton, render
from bot.store.learning import Phrasing, State, Tally


def proposals(count: int) -> list[Phrasing]:
    return [
        Phrasing(f"{n:010x}", f"question {n}", "roles", f"Question *{n}* `x`", State.PROPOSED, 0.0)
        for n in range(count)
    ]


def custom_ids(shown: dict[str, Any]) -> list[str]:
    assert shown["view"] is not None
    return [item.custom_id for item in shown["view"].children]


def test_a_page_lists_its_proposals_with_approve_and_reject_and_turns_to_the_next() -> None:
    listed = proposals(PAGE_SIZE + 1)
    first = render(listed, {("question 0", "roles"): Tally(3, 0)}, page=0)
    description = first["embed"].description
    assert "**1.** Question \\*0\\* 'x' → `roles` (3 members)" in description  # a member's text shown as text
    ids = custom_ids(first)
    assert ids[:2] == ["faq:learn:approve:0000000000:0", "faq:learn:reject:0000000000:0"]
    assert len(ids) == 2 * PAGE_SIZE + 2
    assert ids[-2:] == ["faq:learn:page:-1", "faq:learn:page:1"]
    assert all(LearnButton.__discord_ui_compiled_template__.fullmatch(i) for i in ids[:-2] + ids[-1:])
    assert [button.disabled for button in first["view"].children[-2:]] == [True, False]

    last = render(listed, {}, page=7)  # past the end: the last page
    assert custom_ids(last)[:2] == ["faq:learn:approve:0000000004:1", "faq:learn:reject:0000000004:1"]
    assert "(0 members)" in last["embed"].description


def test_nothing_to_review_has_no_buttons() -> None:
    shown = render([], {}, page=0)
    assert shown["view"] is None
    assert shown["embed"].description == NOTHING
