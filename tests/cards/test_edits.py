"""Editing and removing a card's own file: only the questions and answer change, nothing is written that the checks
refuse, and a file changed since the edit began is not overwritten."""

import shutil
from pathlib import Path

import pytest

from bot.cards import KnowledgeError, load_knowledge, load_knowledge_strict
from bot.cards.edits import CHANGED, OUTSIDE, UNEDITABLE, edit_card, read_card_file, remove_card, revised
from tests.conftest import FIXTURE_KNOWLEDGE

ROLES = Path("knowledge/cards/server/roles.md")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge")
    return Path("knowledge")


def test_an_edit_changes_the_questions_and_answer_and_keeps_everything_else(root: Path) -> None:
    before = load_knowledge_strict(root).cards["roles"]
    opened = read_card_file(root, ROLES)
    assert opened.questions == before.questions
    assert opened.answer == before.answer
    questions = ("How do I get a server role?", "role menu: where is it?", "roles")
    edit_card(root, ROLES, opened.text, questions, "Pick one in **#roles**.\n\nAsk a mod for the rest.")
    after = load_knowledge_strict(root).cards["roles"]
    assert after.questions == questions[:2]  # a one-word question is a keyword, as when written by hand
    assert "roles" in after.keywords
    assert after.answer == "Pick one in **#roles**.\n\nAsk a mod for the rest."
    assert (after.source, after.tags, after.related, after.synonyms) == (
        before.source,
        before.tags,
        before.related,
        before.synonyms,
    )
    text = ROLES.read_text()
    assert text.startswith('---\nquestions:\n  - How do I get a server role?\n  - "role menu: where is it?"\n')
    rest = opened.text[opened.text.index("tags:") : opened.text.index("---\nOpen")]
    assert text.endswith(f"\n{rest}---\nPick one in **#roles**.\n\nAsk a mod for the rest.\n")  # byte for byte
    assert sorted(path.name for path in ROLES.parent.iterdir() if path.name.startswith(".")) == []


def test_comments_and_a_flow_list_survive_an_edit(root: Path) -> None:
    path = root / "cards" / "server" / "flow.md"
    path.write_text(
        "---\n# written by hand: café ✨ 𝄞\nquestions: [where is the wiki, wiki link please]  # keep me\n"
        "source: {document: faq, section: Wiki}\n---\nOn the website.\n"
    )
    edit_card(root, path, path.read_text(), ("Where is the wiki?", "wiki address"), "At example.org/wiki.")
    assert path.read_text() == (
        '---\n# written by hand: café ✨ 𝄞\nquestions: ["Where is the wiki?", "wiki address"]  # keep me\n'
        "source: {document: faq, section: Wiki}\n---\nAt example.org/wiki.\n"
    )
    assert load_knowledge_strict(root).cards["flow"].questions == ("Where is the wiki?", "wiki address")


def test_an_edit_the_checks_refuse_changes_nothing(root: Path) -> None:
    opened = read_card_file(root, ROLES)
    taken = load_knowledge_strict(root).cards["rules"].title
    for questions, answer, message in [
        (("How do I get a role?", taken), "An answer.", f"question {taken!r} is also on card"),
        (("How do I get a role?",), "See [all](!channel).", "link to '!channel'"),
        (("How do I get a role?",), "   ", "empty answer"),
    ]:
        with pytest.raises(KnowledgeError) as caught:
            edit_card(root, ROLES, opened.text, questions, answer)
        assert message in str(caught.value)
        assert ROLES.read_text() == opened.text


def test_a_file_changed_since_the_edit_began_is_not_overwritten(root: Path) -> None:
    opened = read_card_file(root, ROLES)
    changed = opened.text.replace("pick yours", "choose yours")
    ROLES.write_text(changed)
    with pytest.raises(KnowledgeError) as caught:
        edit_card(root, ROLES, opened.text, opened.questions, "Something else.")
    assert CHANGED in str(caught.value)
    assert ROLES.read_text() == changed


def test_questions_written_as_block_text_are_refused_not_mangled(root: Path) -> None:
    text = "---\nquestions:\n  - |\n    How do I get a role?\nsource: {document: faq}\n---\nAn answer.\n"
    with pytest.raises(KnowledgeError) as caught:
        revised(text, ["How do I get a role now?"], "An answer.", ROLES)
    assert UNEDITABLE in str(caught.value)


def test_a_card_is_removed_unless_another_card_relates_to_it(root: Path) -> None:
    events = root / "cards" / "server" / "events.md"
    remove_card(root, events)
    assert not events.exists()
    assert "events" not in load_knowledge_strict(root).cards

    rules = root / "cards" / "server" / "rules.md"  # roles.md has `related: [rules]`
    with pytest.raises(KnowledgeError) as caught:
        remove_card(root, rules)
    assert "related 'rules': no card has this id" in str(caught.value)
    assert "roles.md" in str(caught.value)
    assert rules.exists()
    assert [problem for problem in load_knowledge(root)[1] if not problem.warning] == []


def test_a_file_outside_the_cards_folder_is_neither_edited_nor_removed(root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.md"
    shutil.copy(ROLES, elsewhere)
    for change in (lambda: remove_card(root, elsewhere), lambda: edit_card(root, elsewhere, "", ["a b"], "c")):
        with pytest.raises(KnowledgeError, match=OUTSIDE):
            change()
    assert elsewhere.read_text() == ROLES.read_text()
