"""Each rule of `bot check`, on a knowledge folder broken one way at a time."""

import codecs
import os
import threading
from pathlib import Path

import pytest

from bot.cards import KnowledgeBase, KnowledgeError, Problem, load_knowledge, load_knowledge_strict
from bot.cards.loader import FILE_MAX_BYTES, _read_capped
from bot.cli import main
from tests.bidi import LRM, QUESTION, knowledge_with_controls

SOURCES = "- id: doc\n  title: A Document\n"
GOOD = """---
questions:
  - How do I reset my password?
  - forgot my password
tags: [account]
source:
  document: doc
  section: Passwords
related: [other]
---
Use the reset link on the sign-in page.
"""
OTHER = """---
questions:
  - How do I delete my account?
  - remove my account
source: {document: doc}
---
Ask an admin.
"""


@pytest.fixture(autouse=True)
def run_beside_the_knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Problems name files as seen from where the command runs: here, the folder that holds `knowledge/`."""
    monkeypatch.chdir(tmp_path)


def make(tmp_path: Path, cards: dict[str, str], sources: str = SOURCES) -> Path:
    root = tmp_path / "knowledge"
    (root / "cards").mkdir(parents=True)
    (root / "sources.yaml").write_text(sources)
    for name, text in cards.items():
        path = root / "cards" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def messages(root: Path) -> list[str]:
    return [str(problem) for problem in load_knowledge(root)[1] if not problem.warning]


def test_valid_folder_loads(tmp_path: Path) -> None:
    knowledge = load_knowledge_strict(make(tmp_path, {"a/good.md": GOOD, "other.md": OTHER}))
    card = knowledge.cards["good"]
    assert card.title == "How do I reset my password?"
    assert card.answer == "Use the reset link on the sign-in page."
    assert card.source.section == "Passwords"
    assert knowledge.source_of(card).title == "A Document"
    assert card.related == ("other",)


def test_cards_citing_the_same_place_share_one_citation(tmp_path: Path) -> None:
    also = OTHER.replace("How do I delete my account?", "How do I close my account?").replace("remove", "shut")
    knowledge = load_knowledge_strict(make(tmp_path, {"a/good.md": GOOD, "other.md": OTHER, "also.md": also}))
    cards = knowledge.cards
    assert cards["other"].source is cards["also"].source
    assert cards["good"].source is not cards["other"].source  # another section
    assert cards["good"].source.section == "Passwords"
    assert cards["other"].source.section is None


def test_a_link_to_anything_but_the_web_or_mail_is_an_error_on_its_line(tmp_path: Path) -> None:
    answer = (
        "Reset it.\n\nAsk [the admins](!subteam^S1) or [me](mailto:a@b.org).\n[All](!channel) [w](https://x.org)\n"
        "[go](javascript:alert(1))\n"
    )
    card = GOOD.replace("Use the reset link on the sign-in page.\n", answer)
    first = card.splitlines().index("Reset it.") + 1
    problems = messages(make(tmp_path, {"good.md": card, "other.md": OTHER}))
    assert [problem.split(": only")[0] for problem in problems] == [
        f"knowledge/cards/good.md:{first + 2}: link to '!subteam^S1'",
        f"knowledge/cards/good.md:{first + 3}: link to '!channel'",
        f"knowledge/cards/good.md:{first + 4}: link to 'javascript:alert(1)'",  # the whole target, parentheses too
    ]


def test_bidirectional_controls_are_dropped_from_cards_and_sources_as_they_load(tmp_path: Path) -> None:
    knowledge = load_knowledge_strict(knowledge_with_controls(tmp_path))
    card = knowledge.cards["lights"]
    assert card.title == QUESTION
    assert card.source.section == "Lights"
    assert card.answer == f"Flip the switch by the door, then wait.{LRM}"  # a mark reorders nothing: it stays
    assert knowledge.source_of(card).title == "Community Handbook"


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    broken = GOOD.replace("tags: [account]", "tags: [account")
    assert messages(make(tmp_path, {"good.md": broken, "other.md": OTHER}))[0].startswith("knowledge/cards/good.md:")
    problem = load_knowledge(make(tmp_path / "x", {"good.md": broken, "other.md": OTHER}))[1][0]
    assert problem.line == 5  # the line with the unclosed bracket, not the next one where the parser noticed
    assert "bad YAML" in problem.message
    assert "not closed" in problem.message


def test_bad_yaml_in_a_block_points_at_the_line_found(tmp_path: Path) -> None:
    broken = GOOD.replace("tags: [account]", " tags: account")
    problem = load_knowledge(make(tmp_path, {"good.md": broken, "other.md": OTHER}))[1][0]
    assert problem.line == 5
    assert "not closed" not in problem.message


def test_a_bad_item_in_a_list_over_several_lines_points_at_the_item(tmp_path: Path) -> None:
    broken = GOOD.replace(
        "questions:\n  - How do I reset my password?\n  - forgot my password\n",
        'questions: [\n  "How do I reset my password?",\n  "forgot" my password,\n]\n',
    )
    problem = load_knowledge(make(tmp_path, {"good.md": broken, "other.md": OTHER}))[1][0]
    assert problem.line == 4
    assert "not closed" not in problem.message


def test_missing_front_matter(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD, "other.md": "Just an answer\n"})
    assert any("other.md:1: no front matter" in m for m in messages(root))


def test_missing_field_points_at_its_line(tmp_path: Path) -> None:
    root = make(
        tmp_path, {"good.md": GOOD.replace("source:\n  document: doc\n  section: Passwords\n", ""), "other.md": OTHER}
    )
    assert "knowledge/cards/good.md:2: missing field 'source': a card needs questions, source" in messages(root)


def test_files_load_in_the_order_their_paths_compare(tmp_path: Path) -> None:
    # As paths, a/ comes before a-b/ and a.md (as strings "a-b/" and "a.md" come before "a/"): the first keeps the id.
    same = OTHER.replace("questions:", "id: same\nquestions:")
    cards = {
        "a-b/one.md": same.replace("delete", "close").replace("remove", "shut"),
        "a/two.md": same,
        "a.md": same.replace("delete", "lock").replace("remove", "freeze"),
    }
    assert messages(make(tmp_path, cards)) == [
        "knowledge/cards/a-b/one.md:2: duplicate card id 'same' (also knowledge/cards/a/two.md)",
        "knowledge/cards/a.md:2: duplicate card id 'same' (also knowledge/cards/a/two.md)",
    ]


def test_unknown_field_is_an_error(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD.replace("tags:", "tagz:"), "other.md": OTHER})
    assert messages(root) == [
        "knowledge/cards/good.md:5: unknown field 'tagz': "
        "a card may have questions, tags, source, related, keywords, synonyms, covers, id"
    ]


def test_duplicate_ids(tmp_path: Path) -> None:
    other_with_same_id = OTHER.replace("questions:", "id: good\nquestions:")
    root = make(tmp_path, {"good.md": GOOD.replace("related: [other]\n", ""), "other.md": other_with_same_id})
    assert any("duplicate card id 'good'" in m for m in messages(root))


def test_same_question_on_two_cards(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD, "other.md": OTHER.replace("remove my account", "Forgot my password!")})
    assert any("other.md:4: question 'Forgot my password!' is also on card 'good'" in m for m in messages(root))


def test_unknown_source_and_related(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD.replace("document: doc", "document: nope"), "other.md": OTHER})
    found = messages(root)
    assert any("good.md:7: unknown source document 'nope'" in m for m in found)
    root = make(tmp_path / "x", {"good.md": GOOD.replace("[other]", "[other, ghost]"), "other.md": OTHER})
    assert any("good.md:9: related 'ghost': no card has this id" in m for m in messages(root))


def test_related_to_itself(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD.replace("[other]", "[good]"), "other.md": OTHER})
    assert any("cannot be related to itself" in m for m in messages(root))


def test_an_overview_covers_two_or_more_cards_that_exist(tmp_path: Path) -> None:
    third = OTHER.replace("delete my account?", "change my name?").replace("remove my account", "rename my account")
    overview = GOOD.replace("related: [other]", "covers: [other, third]")
    knowledge, problems = load_knowledge(make(tmp_path, {"good.md": overview, "other.md": OTHER, "third.md": third}))
    assert not problems
    assert knowledge.cards["good"].covers == ("other", "third")
    cases = {
        "covers: [other, ghost]": "good.md:9: covers 'ghost': no card has this id",
        "covers: [good, other]": "good.md:9: covers 'good': a card cannot cover itself",
        "covers: [other]": "good.md:9: covers names one card: an overview covers two or more cards",
    }
    for number, (covers, problem) in enumerate(cases.items()):
        root = make(tmp_path / str(number), {"good.md": GOOD.replace("related: [other]", covers), "other.md": OTHER})
        assert any(problem in found for found in messages(root)), (covers, messages(root))


def test_empty_and_over_long_answers(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD.split("---\nUse")[0] + "---\n\n", "other.md": OTHER})
    assert any("good.md:11: empty answer" in m for m in messages(root))
    long_answer = GOOD.replace("Use the reset link", "x" * 5000)
    root = make(tmp_path / "x", {"good.md": long_answer, "other.md": OTHER})
    assert any("over 4096" in m for m in messages(root))
    _, problems = load_knowledge(
        make(tmp_path / "y", {"good.md": GOOD.replace("Use the", "y" * 1200), "other.md": OTHER})
    )
    assert [p for p in problems if p.warning and "aim for 1000" in p.message]


def test_a_too_short_question_is_taken_as_a_keyword_with_a_warning(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD.replace("forgot my password", "pw"), "other.md": OTHER})
    knowledge, problems = load_knowledge(root)
    assert [str(problem) for problem in problems] == [
        "knowledge/cards/good.md:4: warning: question 'pw' is too short to match safely: taken as a keyword"
    ]
    card = knowledge.cards["good"]
    assert card.questions == ("How do I reset my password?",)
    assert "pw" in card.keywords


def test_a_card_of_too_short_questions_only_is_an_error(tmp_path: Path) -> None:
    single = GOOD.replace("  - How do I reset my password?\n  - forgot my password", "  - pw\n  - reset")
    root = make(tmp_path, {"good.md": single, "other.md": OTHER})
    assert messages(root) == [
        "knowledge/cards/good.md:3: question 'pw' is too short to match safely: use 2+ words, or put single terms in "
        "keywords",
        "knowledge/cards/good.md:4: question 'reset' is too short to match safely: use 2+ words, or put single terms "
        "in keywords",
    ]


def test_a_duplicate_question_is_named_on_its_own_line_after_a_short_one(tmp_path: Path) -> None:
    shifted = OTHER.replace("  - How do I delete my account?", "  - rm\n  - How do I delete my account?")
    root = make(tmp_path, {"good.md": GOOD, "other.md": shifted.replace("remove my account", "forgot my password")})
    assert "knowledge/cards/other.md:5: question 'forgot my password' is also on card 'good'" in messages(root)


def test_bad_sources_file(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD, "other.md": OTHER}, sources=SOURCES + "- id: doc\n  title: Again\n")
    assert any("sources.yaml:3: duplicate source id 'doc'" in m for m in messages(root))
    root = make(tmp_path / "x", {"good.md": GOOD, "other.md": OTHER}, sources="- id: doc\n")
    wanted = "x/knowledge/sources.yaml:1: a source: give it a title, a url (of a web page or a chat message), or both"
    assert wanted in messages(root)


def test_a_card_with_an_error_is_left_out_and_links_to_it_dropped(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD, "other.md": OTHER.replace("source:", "tagz: []\nsource:")})
    knowledge, problems = load_knowledge(root)
    assert [str(problem) for problem in problems] == [
        "knowledge/cards/other.md:5: unknown field 'tagz': a card may have questions, tags, source, related, keywords, "
        "synonyms, covers, id"
    ]
    assert set(knowledge.cards) == {"good"}
    assert knowledge.cards["good"].related == ()


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    cards = {
        "good.md": GOOD.replace("tags:", "tagz:"),
        "other.md": "x",
        "third.md": OTHER.replace("source:", "related: [ghost]\nsource:"),
    }
    root = make(tmp_path, cards)
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge_strict(root)
    assert [(problem.path, problem.line) for problem in caught.value.problems] == [
        ("knowledge/cards/good.md", 5),  # the unknown field
        ("knowledge/cards/good.md", 9),  # related 'other': that file is no card
        ("knowledge/cards/other.md", 1),
        ("knowledge/cards/third.md", 5),
    ]


def test_check_command_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("KNOWLEDGE_DIR", str(make(tmp_path, {"good.md": GOOD, "other.md": OTHER})))
    assert main(["check"]) == 0
    assert "2 cards, 1 sources: 0 error(s)" in capsys.readouterr().out
    monkeypatch.setenv("KNOWLEDGE_DIR", str(make(tmp_path / "x", {"good.md": GOOD})))
    assert main(["check"]) == 1
    assert "knowledge/cards/good.md:9: related 'other': no card has this id" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_knowledge_folder_that_is_not_one_is_named_whole(tmp_path: Path, kind: str) -> None:
    root = tmp_path / "knowledge"
    if kind == "file":
        root.write_text("not a folder")
    _, problems = load_knowledge(root)
    what = "does not exist" if kind == "missing" else "is not a folder"
    assert [str(problem) for problem in problems] == [f"{root}: the knowledge folder {what} (KNOWLEDGE_DIR)"]


def load_in_time(root: Path, seconds: float = 10.0) -> tuple[KnowledgeBase, list[str]]:
    """The cards and every problem, from a thread given `seconds`: a load that blocks fails the test, not the run."""
    loaded: list[tuple[KnowledgeBase, list[Problem]]] = []
    thread = threading.Thread(target=lambda: loaded.append(load_knowledge(root)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert loaded, f"loading the cards took over {seconds} s"
    knowledge, problems = loaded[0]
    return knowledge, [str(problem) for problem in problems]


def test_a_fifo_among_the_cards_is_reported_not_read(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD, "other.md": OTHER})
    os.mkfifo(root / "cards" / "pipe.md")  # opened for reading, it would wait for a writer for ever
    knowledge, problems = load_in_time(root)
    assert problems == ["knowledge/cards/pipe.md: not a regular file: not read"]
    assert set(knowledge.cards) == {"good", "other"}


def test_a_card_file_over_the_size_cap_is_not_read(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD, "other.md": OTHER})
    with (root / "cards" / "huge.md").open("wb") as file:
        file.truncate(FILE_MAX_BYTES + 1)  # sparse: no disk, but read whole it would be held in memory
    _, problems = load_in_time(root)
    assert problems == [f"knowledge/cards/huge.md: larger than {FILE_MAX_BYTES:,} bytes: not read"]


@pytest.mark.parametrize("grown", [10, FILE_MAX_BYTES, FILE_MAX_BYTES + 5])
def test_a_file_that_grew_after_its_stat_is_read_to_its_end_or_the_cap(tmp_path: Path, grown: int) -> None:
    path = tmp_path / "card.md"
    path.write_bytes(b"x" * grown)
    handle = os.open(path, os.O_RDONLY)
    try:
        data = _read_capped(handle, 3)  # as if stat'ed when it held 3 bytes
    finally:
        os.close(handle)
    assert len(data) == min(grown, FILE_MAX_BYTES + 1)  # one byte over the cap is enough to refuse the file


def test_symbolic_links_are_followed_only_inside_the_knowledge_folder(tmp_path: Path) -> None:
    root = make(tmp_path, {"other.md": OTHER})
    outside = tmp_path / "elsewhere.md"
    outside.write_text(GOOD.replace("related: [other]\n", ""))
    (root / "cards" / "good.md").symlink_to(outside)
    (root / "cards" / "null.md").symlink_to("/dev/null")  # as /dev/zero would be: never opened
    (root / "shared").mkdir()
    (root / "shared" / "inside.md").write_text(OTHER.replace("questions:", "id: inside\nquestions:").replace("my ", ""))
    (root / "cards" / "inside.md").symlink_to(root / "shared" / "inside.md")  # how a ConfigMap mounts its files
    (root / "cards" / "linked-folder").symlink_to(tmp_path, target_is_directory=True)  # not entered
    knowledge, problems = load_in_time(root)
    out = "a symbolic link out of the knowledge folder: not followed"
    assert problems == [f"knowledge/cards/good.md: {out}", f"knowledge/cards/null.md: {out}"]
    assert set(knowledge.cards) == {"inside", "other"}


def test_hidden_files_and_editor_leftovers_are_not_cards(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "good.md": GOOD,
            "other.md": OTHER,
            "good.md~": GOOD,  # a backup copy
            ".good.md.swp": "\x00vim swap",
            ".trash/good.md": GOOD,  # a hidden folder: another copy
            ".draft.md": "not ready",
        },
    )
    (root / "cards" / ".#good.md").symlink_to("user@host.1234:1700000000")  # Emacs's lock: a dangling link
    knowledge, problems = load_in_time(root)
    assert problems == []
    assert set(knowledge.cards) == {"good", "other"}


def test_a_card_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD})
    (root / "cards" / "other.md").write_bytes(codecs.BOM_UTF8 + OTHER.encode())
    knowledge, problems = load_in_time(root)
    assert problems == []
    assert knowledge.cards["good"].related == ("other",)
    assert knowledge.cards["other"].title == "How do I delete my account?"


def test_a_source_that_is_not_a_mapping_says_what_it_should_be(tmp_path: Path) -> None:
    card = GOOD.replace("source:\n  document: doc\n  section: Passwords\n", "source: doc\n")
    assert messages(make(tmp_path, {"good.md": card, "other.md": OTHER})) == [
        "knowledge/cards/good.md:6: source must be a mapping with 'document' or 'url' (and for a url an optional "
        "'title'), and optional 'section', e.g. source: {document: handbook, section: Roles}"
    ]


def test_a_bad_id_and_a_bad_list_are_said_in_plain_words(tmp_path: Path) -> None:
    card = GOOD.replace("questions:", "id: Good Card\nquestions:").replace("tags: [account]", "tags: account")
    assert messages(make(tmp_path, {"good.md": card, "other.md": OTHER})) == [
        "knowledge/cards/good.md:2: id 'Good Card': use lowercase letters, digits, '-' and '_'",
        "knowledge/cards/good.md:6: tags must be a list: '- item' lines, or [a, b]",
    ]


def test_an_unknown_field_does_not_hide_an_unknown_source(tmp_path: Path) -> None:
    card = GOOD.replace("tags:", "tagz:").replace("document: doc", "document: nope")
    knowledge, problems = load_knowledge(make(tmp_path, {"good.md": card, "other.md": OTHER}))
    assert [(problem.line, problem.message.split(":")[0].split(" (")[0]) for problem in problems] == [
        (5, "unknown field 'tagz'"),
        (7, "unknown source document 'nope'"),
    ]
    assert problems[1].message.endswith("(sources.yaml lists: doc)")  # what the card may cite instead
    assert set(knowledge.cards) == {"other"}  # the card is still left out


def test_a_duplicate_id_does_not_hide_a_duplicate_question(tmp_path: Path) -> None:
    twin = OTHER.replace("questions:", "id: good\nquestions:").replace("remove my account", "forgot my password")
    found = messages(make(tmp_path, {"good.md": GOOD.replace("related: [other]\n", ""), "other.md": twin}))
    assert found == [
        "knowledge/cards/other.md:2: duplicate card id 'good' (also knowledge/cards/good.md)",
        "knowledge/cards/other.md:5: question 'forgot my password' is also on card 'good'",
    ]


def test_a_byte_that_is_not_utf8_is_reported_on_its_line(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD.replace("related: [other]\n", "")})
    (root / "cards" / "other.md").write_bytes(OTHER.replace("Ask an admin.", "Ask an admin \xe9.").encode("latin-1"))
    assert messages(root) == [
        "knowledge/cards/other.md:7: not UTF-8 text: byte 0xe9 on this line; save the file as UTF-8"
    ]


def test_problems_name_files_from_where_the_command_runs(tmp_path: Path) -> None:
    root = make(tmp_path / "examples", {"good.md": GOOD.replace("[other]", "[ghost]")})
    (problem,) = load_knowledge(root)[1]
    assert problem.path == "examples/knowledge/cards/good.md"
    assert Path(problem.path).is_file()


def test_knowledge_dir_at_the_cards_folder_says_so(tmp_path: Path) -> None:
    root = make(tmp_path, {"good.md": GOOD, "other.md": OTHER})
    assert messages(root / "cards") == [
        f"{root / 'cards'}: KNOWLEDGE_DIR points at a cards/ folder: "
        "point it at the folder that holds cards/ and sources.yaml"
    ]


def test_a_front_matter_problem_hides_none_of_the_answer_s(tmp_path: Path) -> None:
    """Both reported in one run; an empty answer on the closing '---', a line the file has."""
    card = "---\nquestions:\n  - how do i get a role here\n---\n"
    assert messages(make(tmp_path, {"good.md": GOOD, "other.md": OTHER, "empty.md": card})) == [
        "knowledge/cards/empty.md:2: missing field 'source': a card needs questions, source",
        "knowledge/cards/empty.md:4: empty answer: write it after the front matter",
    ]
