"""The card writer: files in the hand-written format, named so no card is replaced, kept only when they pass."""

import shutil
from pathlib import Path

import pytest
import yaml

from bot.cards import KnowledgeError, load_knowledge, load_knowledge_strict
from bot.cards.model import CardSource
from bot.cards.writer import Draft, scalar, slug, write_card
from tests.conftest import FIXTURE_KNOWLEDGE

DRAFT = Draft(
    questions=("How do I join the beta: is there a waitlist?", "beta waitlist sign up"),
    answer="Fill in the form on the **beta** page; invites go out weekly.\n\n---\nNot before.",
    source=CardSource(url="https://discord.com/channels/1/2/3", title="Alice in #help", section="2026-12-07"),
    tags=("beta",),
)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge")
    return Path("knowledge")


def test_a_written_card_loads_as_written_and_passes_the_checks(root: Path) -> None:
    path = write_card(root, DRAFT, root / "cards" / "captured")
    assert path == root / "cards" / "captured" / "how-do-i-join-the-beta-is-there-a-waitlist.md"
    card = load_knowledge_strict(root).cards[path.stem]
    assert card.questions == DRAFT.questions
    assert card.answer == DRAFT.answer
    assert card.source == DRAFT.source
    assert card.tags == DRAFT.tags
    assert path.read_text().startswith('---\nquestions:\n  - "How do I join the beta: is there a waitlist?"\n')
    assert "\n  - beta waitlist sign up\n" in path.read_text()  # plain where YAML reads it back the same


def test_a_second_card_of_the_same_title_gets_a_name_of_its_own(root: Path) -> None:
    start = "How long is the waitlist of the beta programme for members who joined "
    first = write_card(root, Draft((start + "in spring?",), "A month.", CardSource(document="faq")))
    second = write_card(root, Draft((start + "in autumn?",), "A week.", CardSource(document="faq")))
    assert first.stem == slug(start)
    assert second.name == f"{first.stem}-2.md"
    cards = load_knowledge_strict(root).cards
    assert (cards[first.stem].answer, cards[second.stem].answer) == ("A month.", "A week.")


def test_a_card_that_would_not_pass_is_not_written_and_the_problem_is_named(root: Path) -> None:
    before = sorted(path.name for path in root.rglob("*"))
    taken = next(iter(load_knowledge_strict(root).cards.values())).title
    cases = [
        (Draft(("so", "beta"), "An answer.", DRAFT.source), "question 'so' is too short"),
        (Draft(("How do I join the beta?",), "See [all](!channel).", DRAFT.source), "link to '!channel'"),
        (Draft(("How do I join the beta?",), "An answer.", CardSource(document="nope")), "unknown source document"),
        (Draft((taken, "beta waitlist sign up"), "An answer.", DRAFT.source), f"question {taken!r} is also on card"),
    ]
    for draft, message in cases:
        with pytest.raises(KnowledgeError) as caught:
            write_card(root, draft)
        assert message in str(caught.value)
    assert sorted(path.name for path in root.rglob("*")) == before  # no card, no temporary file left
    assert [problem for problem in load_knowledge(root)[1] if not problem.warning] == []


def test_slugs_are_lowercase_ascii_words_cut_between_words() -> None:
    assert slug("Où est l'Été ? C'est «ici»!") == "ou-est-l-ete-c-est-ici"
    long = slug("word " * 40)
    assert len(long) <= 60
    assert long.endswith("word")
    assert slug("¿¡!?") == "card"


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "null",
        "123",
        "1.5",
        "- a",
        "a: b",
        "#x",
        "x #y",
        "'quoted'",
        '"q"',
        "[a]",
        "{a}",
        "é ✓",
        "a\\b",
        "@u",
        "*x",
    ],
)
def test_any_text_reads_back_as_written(text: str) -> None:
    assert yaml.safe_load(f"key: {scalar(text)}")["key"] == text
    assert yaml.safe_load(f"list:\n  - {scalar(text)}")["list"] == [text]
