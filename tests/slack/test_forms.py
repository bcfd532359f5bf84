"""The card forms as Block Kit modals: prefilled within Slack's limits, read back, and a refusal under its field."""

from __future__ import annotations

from bot.cards.loader import Problem
from bot.slack import forms


def test_the_context_survives_the_round_trip_and_junk_reads_as_the_default() -> None:
    context = forms.Context("/faq edit", response_url="https://hooks/1", card="roles", opened=forms.digest("text"))
    assert forms.Context.loads(forms.Context("x").dumps()) == forms.Context("x")
    view = forms.edit_view(context, ("How do I get a role?", "roles?"), "Open #roles.")
    assert forms.Context.loads(view["private_metadata"]) == context
    assert len(view["private_metadata"]) < 3000  # Slack's limit: the file itself stands as its digest
    for junk in (None, "", "[1]", "{not json", '{"what": "x", "folder": "../../etc", "extra": 1}'):
        assert forms.Context.loads(junk).folder == "added"


def test_a_prefilled_form_stays_within_slacks_limits_and_reads_back() -> None:
    view = forms.add_view(forms.Context("/faq add"), question="q" * 500, answer="a" * 5000, source="handbook, Roles")
    fields = {block["block_id"]: block["element"] for block in view["blocks"]}
    assert [len(fields[name].get("initial_value", "")) for name in ("question", "answer")] == [200, 3000]
    assert all(len(element.get("initial_value", "")) <= element["max_length"] for element in fields.values())
    assert len(view["title"]["text"]) <= 24
    state = {"values": {"question": {"value": {"value": "Q?"}}, "tags": {"value": {"value": None}}}}
    typed = forms.values({**view, "state": state})
    assert typed == {"question": "Q?", "phrasings": "", "answer": "", "tags": "", "source": ""}


def test_problems_show_under_the_field_they_are_about() -> None:
    problems = [
        Problem("cards/added/x.md", 2, "question 'How do I get a role?' is also on card roles"),
        Problem("cards/added/x.md", 5, "unknown source document 'nowhere'"),
        Problem("cards/added/x.md", 8, "link to '!channel': only http, https and mailto links are allowed"),
        Problem("cards/added/x.md", 9, "answer is empty"),
    ]
    shown = forms.errors(problems, ("question", "phrasings", "answer", "tags", "source"))
    assert set(shown) == {"question", "source", "answer"}
    assert shown["answer"].splitlines() == [problems[2].message, problems[3].message]
    assert set(forms.errors(problems, ("question", "phrasings", "answer"))) == {"question", "answer"}  # an edit
    assert len(forms.errors([Problem("x", 1, "e" * 5000)], ("answer",))["answer"]) == forms.ERROR_MAX_CHARS
