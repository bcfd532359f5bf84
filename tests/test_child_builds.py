"""A reload built in a child process: the serving process reads the child's caches back, answers as a build in its
own thread would, swaps whole, and keeps its old cards when the new ones are refused or the child fails."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import shutil
from pathlib import Path

import pytest

from bot.build_process import BuildJob, build_in_child, files_key
from bot.cards import load_knowledge
from bot.engine.calibration import Calibration
from bot.holder import EngineHolder
from bot.learn.learned import Learned
from tests.conftest import FIXTURE_KNOWLEDGE

NEW_CARD = (
    "---\nquestions:\n  - Where do the meetups happen?\n  - where is the next meetup\n"
    "source:\n  document: handbook\n  section: Meetups\n---\nMeetups are in the town library, upstairs.\n"
)
QUESTIONS = ("How do I get a role?", "where is the next meetup", "can i advertise my server", "what is the weather")


@pytest.fixture
def knowledge_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # problems name files as seen from where the bot runs
    return Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))


def child_holder(knowledge_dir: Path, strict: bool = False) -> EngineHolder:
    return EngineHolder(
        knowledge_dir, 55.0, 6.0, cache_dir=knowledge_dir.parent / "cache", strict=strict, child_builds=True
    )


def no_build(*args: object, **kwargs: object) -> None:
    raise AssertionError("the serving process built the index itself")


def answers(holder: EngineHolder) -> list[tuple[str | None, float]]:
    engine = holder.engine
    return [(match.card.id if match.card else None, match.score) for match in map(engine.answer, QUESTIONS)]


def test_a_reload_reads_what_the_child_built_and_answers_as_a_build_here(
    knowledge_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = child_holder(knowledge_dir)
    (knowledge_dir / "cards" / "meetups.md").write_text(NEW_CARD, encoding="utf-8")

    with monkeypatch.context() as patched:
        patched.setattr("bot.engine.matcher.build_index", no_build)  # the child's own modules are not patched
        result = holder.reload()

    assert not result.refused
    assert holder.engine.answer("where is the next meetup").card.id == "meetups"
    assert not multiprocessing.active_children()
    built_here = EngineHolder(knowledge_dir, 55.0, 6.0)
    assert answers(holder) == answers(built_here)


async def test_questions_are_answered_by_the_old_engine_until_the_new_one_is_swapped_in(knowledge_dir: Path) -> None:
    holder = child_holder(knowledge_dir)
    old = holder.engine
    (knowledge_dir / "cards" / "meetups.md").write_text(NEW_CARD, encoding="utf-8")

    reload = asyncio.create_task(holder.reload_off_loop())
    served_meanwhile = []
    while not reload.done():
        engine = holder.engine
        served_meanwhile.append(engine)
        assert "meetups" not in engine.knowledge.cards or engine.answer("where is the next meetup").answered
        await asyncio.sleep(0.01)
    await reload

    assert served_meanwhile
    assert served_meanwhile[0] is old
    assert {id(engine) for engine in served_meanwhile} <= {id(old), id(holder.engine)}
    assert holder.engine is not old
    assert "meetups" in holder.engine.knowledge.cards


def test_refused_cards_leave_the_old_engine_serving_and_are_logged_once(
    knowledge_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    holder = child_holder(knowledge_dir, strict=True)
    old = holder.engine
    (knowledge_dir / "cards" / "broken.md").write_text("---\nquestions: [unclosed\n---\nText.\n", encoding="utf-8")

    with caplog.at_level(logging.WARNING):
        result = holder.reload()

    assert result.refused
    assert holder.engine is old
    assert holder.engine.answer("How do I get a role?").answered
    refusals = [record for record in caplog.records if record.getMessage().startswith("reload refused")]
    assert len(refusals) == 1
    assert not any("build process" in record.getMessage() for record in caplog.records)
    assert not multiprocessing.active_children()


def test_a_child_that_fails_is_reported_and_joined(knowledge_dir: Path) -> None:
    broken = Learned(phrasings={"roles": 5})  # type: ignore[dict-item]  # not a tuple of questions: the build fails

    failure = build_in_child(BuildJob(knowledge_dir, knowledge_dir.parent / "cache", 55.0, 6.0, None, False, broken))

    assert failure is not None
    assert failure.startswith("TypeError")
    assert not multiprocessing.active_children()


def test_a_child_that_reports_nothing_in_time_is_stopped(knowledge_dir: Path) -> None:
    """A hung build would hold every later reload: past the timeout the child is killed and the wait ends."""
    job = BuildJob(knowledge_dir, knowledge_dir.parent / "cache", 55.0, 6.0, None, False, Learned())

    failure = build_in_child(job, timeout=0.0)

    assert failure is not None
    assert "reported nothing" in failure
    assert not multiprocessing.active_children()


FAKE = Calibration(
    41.0,
    7.0,
    held_out=1,
    held_out_right=1.0,
    near_misses=1,
    near_misses_declined=1.0,
    off_topic=1,
    off_topic_declined=1.0,
)


def test_a_decision_handed_over_is_kept_only_for_the_files_it_was_chosen_on(knowledge_dir: Path) -> None:
    files, _ = load_knowledge(knowledge_dir)

    handed = EngineHolder(knowledge_dir, calibrated=(files_key(files), FAKE))
    (knowledge_dir / "cards" / "meetups.md").write_text(NEW_CARD, encoding="utf-8")
    other_files = EngineHolder(knowledge_dir, calibrated=(files_key(files), FAKE))

    assert (handed.engine.threshold, handed.engine.margin) == (41.0, 7.0)
    assert other_files.engine.calibration != FAKE


def test_a_child_keeps_the_decision_when_only_what_members_taught_changed(
    knowledge_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files, _ = load_knowledge(knowledge_dir)
    cache_dir = knowledge_dir.parent / "cache"
    holder = EngineHolder(knowledge_dir, cache_dir=cache_dir, child_builds=True, calibrated=(files_key(files), FAKE))
    holder.learned = Learned.of([("roles", "where are the role buttons")])

    with monkeypatch.context() as patched:
        patched.setattr("bot.engine.matcher.build_index", no_build)  # what the child stored is read back here
        holder.reload()

    assert holder.engine.knowledge.cards["roles"].learned == ("where are the role buttons",)
    assert holder.engine.calibration == FAKE
