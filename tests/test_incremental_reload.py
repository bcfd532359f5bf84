"""A reload that finds a few card files changed, added or removed lays them over the serving build, in the serving
process: no child build, no second full engine; a bad edit is refused as before, and more changes get a full build."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import cache
from bot.engine.index import SparseIndex
from bot.engine.layered import LayeredIndex
from bot.engine.update import SCORE_TOLERANCE
from bot.holder import EngineHolder
from tests.conftest import FIXTURE_KNOWLEDGE

MEETUPS = (
    "---\nquestions:\n  - Where do the meetups happen?\n  - where is the next meetup\n"
    "source:\n  document: handbook\n  section: Meetups\n---\nMeetups are in the town library, upstairs.\n"
)
QUESTIONS = (
    "How do I get a role?",
    "where is the next meetup",
    "how do i install python",
    "can i advertise my server",
    "what is the weather",
)


@pytest.fixture
def knowledge_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # problems name files as seen from where the bot runs
    monkeypatch.setattr("bot.engine.update.UPDATE_MIN_CARDS", 0)  # the fixture's few cards stand for many
    return Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))


def serving(knowledge_dir: Path, strict: bool = False) -> EngineHolder:
    return EngineHolder(
        knowledge_dir, 55.0, 6.0, cache_dir=knowledge_dir.parent / "cache", strict=strict, child_builds=True
    )


@contextlib.contextmanager
def no_build() -> Iterator[None]:
    """Meanwhile, neither a child process nor a build in this one."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a full build ran")

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr("bot.holder.build_in_child", refuse)
        patched.setattr("bot.engine.matcher.build_index", refuse)
        yield


def assert_as_built(holder: EngineHolder, knowledge_dir: Path) -> None:
    """The holder answers as one that built the cards whole."""
    built = EngineHolder(knowledge_dir, 55.0, 6.0).engine
    engine = holder.engine
    assert engine.cards == built.cards
    for question in QUESTIONS:
        ours, theirs = engine.answer(question), built.answer(question)
        assert (ours.outcome, ours.card) == (theirs.outcome, theirs.card), question
        assert ours.score == pytest.approx(theirs.score, abs=SCORE_TOLERANCE), question


def rewrite_answer(path: Path, answer: str) -> None:
    front, _ = path.read_text(encoding="utf-8").rsplit("---\n", 1)
    path.write_text(f"{front}---\n{answer}\n", encoding="utf-8")


def test_a_changed_card_is_laid_over_the_serving_build(knowledge_dir: Path) -> None:
    holder = serving(knowledge_dir)
    rewrite_answer(knowledge_dir / "cards" / "server" / "roles.md", "Roles come from the onboarding questions now.")

    with no_build():
        result = holder.reload()

    assert not result.refused
    assert isinstance(holder.engine.index.card_words, LayeredIndex)
    assert holder.engine.knowledge.cards["roles"].answer == "Roles come from the onboarding questions now."
    assert_as_built(holder, knowledge_dir)
    assert not multiprocessing.active_children()


def test_an_added_card_answers_and_a_removed_one_is_gone(knowledge_dir: Path) -> None:
    holder = serving(knowledge_dir)
    (knowledge_dir / "cards" / "meetups.md").write_text(MEETUPS, encoding="utf-8")
    with no_build():
        holder.reload()
    assert holder.engine.answer("where is the next meetup").card.id == "meetups"
    assert_as_built(holder, knowledge_dir)

    (knowledge_dir / "cards" / "server" / "events.md").unlink()
    with no_build():
        result = holder.reload()

    assert not result.refused
    assert "events" not in holder.engine.knowledge.cards
    assert isinstance(holder.engine.index.phrase_chars, LayeredIndex)
    assert_as_built(holder, knowledge_dir)


def test_a_card_a_removal_breaks_is_left_out_as_a_build_would(knowledge_dir: Path) -> None:
    holder = serving(knowledge_dir)
    linked = MEETUPS.replace("source:", "related: [events]\nsource:")
    (knowledge_dir / "cards" / "meetups.md").write_text(linked, encoding="utf-8")
    with no_build():
        holder.reload()
    (knowledge_dir / "cards" / "server" / "events.md").unlink()

    with no_build():
        result = holder.reload()

    assert not result.refused
    assert [problem.message for problem in result.problems] == ["related 'events': no card has this id"]
    assert not {"events", "meetups"} & set(holder.engine.knowledge.cards)
    assert_as_built(holder, knowledge_dir)


def test_a_bad_edit_leaves_its_card_out_as_a_build_would(knowledge_dir: Path) -> None:
    holder = serving(knowledge_dir)
    (knowledge_dir / "cards" / "server" / "events.md").write_text("---\nquestions: [unclosed\n---\nText.\n", "utf-8")

    with no_build():
        result = holder.reload()

    assert not result.refused
    assert [problem.path for problem in result.problems] == [str(Path("knowledge/cards/server/events.md"))]
    assert "events" not in holder.engine.knowledge.cards
    assert holder.engine.answer("How do I get a role?").card.id == "roles"
    assert_as_built(holder, knowledge_dir)


def test_a_bad_edit_is_refused_under_strict_cards(knowledge_dir: Path) -> None:
    holder = serving(knowledge_dir, strict=True)
    old = holder.engine
    (knowledge_dir / "cards" / "server" / "events.md").write_text("---\nquestions: [unclosed\n---\nText.\n", "utf-8")

    with no_build():
        result = holder.reload()

    assert result.refused
    assert holder.engine is old


def test_more_changes_than_an_update_takes_get_a_full_build(
    knowledge_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = serving(knowledge_dir)
    monkeypatch.setattr("bot.engine.update.CHANGED_MIN", 1)
    for name in ("roles", "rules"):
        rewrite_answer(knowledge_dir / "cards" / "server" / f"{name}.md", f"The {name} moved to the wiki.")

    holder.reload()

    assert type(holder.engine.index.card_words) is SparseIndex
    assert_as_built(holder, knowledge_dir)


def test_a_restart_after_an_update_serves_the_same_cards(knowledge_dir: Path) -> None:
    holder = serving(knowledge_dir)
    (knowledge_dir / "cards" / "meetups.md").write_text(MEETUPS, encoding="utf-8")
    holder.reload()
    assert isinstance(holder.engine.index.card_words, LayeredIndex)

    restarted = serving(knowledge_dir)

    assert restarted.engine.cards == holder.engine.cards
    assert restarted.engine.answer("where is the next meetup").card.id == "meetups"


def test_the_next_update_is_laid_over_the_full_build_again(knowledge_dir: Path) -> None:
    holder = serving(knowledge_dir)
    rewrite_answer(knowledge_dir / "cards" / "server" / "roles.md", "Roles come from the onboarding questions now.")
    with no_build():
        holder.reload()
    first = holder.engine.index.card_words
    (knowledge_dir / "cards" / "meetups.md").write_text(MEETUPS, encoding="utf-8")

    with no_build():
        holder.reload()

    assert isinstance(first, LayeredIndex)
    layered = holder.engine.index.card_words
    assert isinstance(layered, LayeredIndex)
    assert layered.base is first.base  # the full build's arrays, shared rather than copied
    assert holder.engine.knowledge.cards["roles"].answer == "Roles come from the onboarding questions now."
    assert_as_built(holder, knowledge_dir)


def test_a_reload_that_builds_nothing_stores_its_cards_without_their_key_and_a_restart_still_reads_the_index(
    knowledge_dir: Path,
) -> None:
    holder = serving(knowledge_dir)
    roles = knowledge_dir / "cards" / "server" / "roles.md"
    os.utime(roles, ns=(roles.stat().st_atime_ns, roles.stat().st_mtime_ns + 10**9))  # touched, not changed
    engine = holder.engine
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr("bot.card_snapshot.cards_key", fail)  # the key of every card: none to be made
        holder.reload()
        cache.flush()  # the entry, stored once no question is in flight
    assert holder.engine is engine

    with no_build(), pytest.MonkeyPatch.context() as patched:
        patched.setattr("bot.card_snapshot.load_knowledge", fail)  # the cards read back from the entry
        restarted = serving(knowledge_dir)

    assert restarted.engine.cards == engine.cards
    assert restarted.engine.answer("How do I get a role?").card.id == "roles"


def fail(*args: object, **kwargs: object) -> None:
    raise AssertionError("not to be called")
