"""Reloading the cards while the bot answers: validated first, swapped whole, the old cards kept on any error."""

from __future__ import annotations

import gc
import shutil
import threading
import time
from pathlib import Path

import pytest

from bot import replies
from bot.cards import KnowledgeError, load_knowledge
from bot.holder import EngineHolder
from bot.settings import load_settings
from bot.watch import KnowledgeWatcher, snapshot, watching
from tests.conftest import FIXTURE_KNOWLEDGE

NEW_ANSWER = "Roles now come from the onboarding questions when you join."
BROKEN = (
    "---\nquestions:\n  - Where do I report a bug?\nsource:\n  document: nowhere\n---\nIn #bugs.\n"  # line 5 is wrong
)


@pytest.fixture
def knowledge_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # problems name files as seen from where the bot runs
    return Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))


@pytest.fixture
def holder(knowledge_dir: Path) -> EngineHolder:
    return EngineHolder(knowledge_dir, threshold=55.0, margin=6.0)


def rewrite_roles_answer(knowledge_dir: Path) -> None:
    path = knowledge_dir / "cards" / "server" / "roles.md"
    front, _ = path.read_text(encoding="utf-8").rsplit("---\n", 1)
    path.write_text(f"{front}---\n{NEW_ANSWER}\n", encoding="utf-8")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_questions_during_a_reload_see_one_whole_knowledge_base(knowledge_dir: Path, holder: EngineHolder) -> None:
    old = holder.engine
    old_answer = old.knowledge.cards["roles"].answer
    rewrite_roles_answer(knowledge_dir)
    seen = []

    def ask() -> None:
        engine = holder.engine  # once per question, as every adapter does
        seen.append((engine, replies.reply_for(engine.answer("How do I get a role?"), engine.knowledge)))

    ask()  # before the reload starts: the old cards
    reloading = threading.Thread(target=holder.reload)
    reloading.start()
    deadline = time.monotonic() + 30
    while reloading.is_alive() and time.monotonic() < deadline:
        ask()
    reloading.join()
    for _ in range(10):
        ask()

    engines = [engine for engine, _ in seen]
    assert engines[0] is old
    assert engines[-1] is holder.engine is not old
    switch = engines.index(holder.engine)
    assert set(map(id, engines[:switch])) == {id(old)}  # one switch, never back: no question saw both
    for engine, reply in seen:
        assert reply.card is engine.knowledge.cards["roles"]
        assert reply.card.answer == (old_answer if engine is old else NEW_ANSWER)
        assert reply.related == tuple(engine.knowledge.cards[card] for card in reply.card.related)


def test_an_engine_is_left_out_of_garbage_collections(knowledge_dir: Path, holder: EngineHolder) -> None:
    """A full collection keeps the GIL, and the event loop waits, for as long as it looks at every object: frozen
    engines are not looked at. Collection itself stays on."""
    rewrite_roles_answer(knowledge_dir)
    holder.reload()
    assert gc.isenabled()
    assert all(tracked is not holder.engine for tracked in gc.get_objects())  # frozen objects are in no generation


def test_a_reload_of_the_same_cards_keeps_the_serving_engine(knowledge_dir: Path, holder: EngineHolder) -> None:
    """Nothing to build: reading the same engine back from the index cache would only pause the event loop."""
    old = holder.engine
    assert not holder.reload().refused
    assert holder.engine is old
    rewrite_roles_answer(knowledge_dir)
    holder.reload()
    assert holder.engine is not old


def test_a_broken_card_is_left_out_and_the_rest_reload(knowledge_dir: Path, holder: EngineHolder) -> None:
    old = holder.engine
    (knowledge_dir / "cards" / "broken.md").write_text(BROKEN, encoding="utf-8")
    rules = knowledge_dir / "cards" / "server" / "rules.md"
    rules.write_text(rules.read_text(encoding="utf-8").replace("related: [", "related: [broken, "), encoding="utf-8")
    rewrite_roles_answer(knowledge_dir)

    result = holder.reload()

    assert not result.refused
    assert [str(problem).split(": ", 1)[0] for problem in result.problems] == ["knowledge/cards/broken.md:5"]
    assert holder.problems == result.problems
    assert holder.engine is not old
    assert "broken" not in holder.engine.knowledge.cards
    assert holder.engine.answer("How do I get a role?").card.answer == NEW_ANSWER
    rules_card = holder.engine.knowledge.cards["rules"]
    assert "broken" not in rules_card.related  # a link to the card left out is dropped, not followed
    reply = replies.reply_for(holder.engine.answer(rules_card.title), holder.engine.knowledge)
    assert reply.card is rules_card
    assert reply.related


def test_a_card_with_an_error_does_not_stop_the_start(knowledge_dir: Path) -> None:
    (knowledge_dir / "cards" / "broken.md").write_text(BROKEN, encoding="utf-8")
    holder = EngineHolder(knowledge_dir, threshold=55.0, margin=6.0)
    assert [problem.path for problem in holder.problems] == ["knowledge/cards/broken.md"]
    assert holder.engine.answer("How do I get a role?").answered
    with pytest.raises(KnowledgeError):
        EngineHolder(knowledge_dir, threshold=55.0, margin=6.0, strict=True)
    (knowledge_dir / "sources.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError):  # no card left at all: nothing to serve
        EngineHolder(knowledge_dir, threshold=55.0, margin=6.0)


def test_strict_cards_keep_the_old_cards_and_name_file_and_line(knowledge_dir: Path) -> None:
    holder = EngineHolder(knowledge_dir, threshold=55.0, margin=6.0, strict=True)
    old = holder.engine
    (knowledge_dir / "cards" / "broken.md").write_text(BROKEN, encoding="utf-8")
    rewrite_roles_answer(knowledge_dir)  # a good change in the same reload is not half applied

    result = holder.reload()
    problems = result.problems

    assert result.refused
    assert holder.engine is old
    assert holder.problems == []
    assert [(problem.path, problem.line) for problem in problems] == [("knowledge/cards/broken.md", 5)]
    assert str(problems[0]).startswith("knowledge/cards/broken.md:5: unknown source document")
    match = holder.engine.answer("How do I get a role?")
    assert match.card is not None
    assert match.card.answer != NEW_ANSWER


def test_the_watcher_reloads_once_the_changes_settle(knowledge_dir: Path, holder: EngineHolder) -> None:
    clock = Clock()
    reloads: list[list[object]] = []
    watcher = KnowledgeWatcher(holder, settle=1.5, on_reload=reloads.append, clock=clock)
    old = holder.engine
    assert watcher.poll() is None  # nothing changed

    rewrite_roles_answer(knowledge_dir)
    assert watcher.poll() is None  # changed: wait for it to settle
    clock.now = 1.0
    assert watcher.poll() is None
    assert holder.engine is old
    clock.now = 2.0
    assert watcher.poll() == []
    assert holder.engine is not old
    assert holder.engine.knowledge.cards["roles"].answer == NEW_ANSWER
    clock.now = 10.0
    assert watcher.poll() is None  # one reload for one change
    assert reloads == [[]]


def test_the_watcher_reports_a_broken_card_and_keeps_serving(knowledge_dir: Path, holder: EngineHolder) -> None:
    clock = Clock()
    watcher = KnowledgeWatcher(holder, settle=1.0, clock=clock)
    old = holder.engine
    (knowledge_dir / "cards" / "broken.md").write_text(BROKEN, encoding="utf-8")
    watcher.poll()
    clock.now = 5.0
    problems = watcher.poll()
    assert problems is not None
    assert [str(problem).split(": ", 1)[0] for problem in problems] == ["knowledge/cards/broken.md:5"]
    assert holder.problems == problems
    assert holder.engine is old  # the same cards as before: the broken one is left out, nothing to build


def test_the_watcher_leaves_editor_leftovers_alone(knowledge_dir: Path, holder: EngineHolder) -> None:
    clock = Clock()
    watcher = KnowledgeWatcher(holder, settle=1.0, clock=clock)
    cards = knowledge_dir / "cards" / "server"
    (cards / "roles.md~").write_text("a backup copy", encoding="utf-8")
    (cards / ".roles.md.swp").write_text("a swap file", encoding="utf-8")
    (cards / ".#roles.md").symlink_to("user@host.1234:1700000000")
    assert watcher.poll() is None
    clock.now = 5.0
    assert watcher.poll() is None  # nothing the loader reads changed: no reload


def test_the_watcher_looks_at_the_files_the_loader_reads(knowledge_dir: Path, tmp_path: Path) -> None:
    cards = knowledge_dir / "cards"
    (cards / "deep" / "deeper").mkdir(parents=True)
    (cards / "deep" / "deeper" / "nested.md").write_text("a card", encoding="utf-8")
    (cards / ".hidden").mkdir()
    (cards / ".hidden" / "card.md").write_text("not read", encoding="utf-8")
    (cards / ".draft.md").write_text("not read", encoding="utf-8")
    (cards / "notes.txt").write_text("not read", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "outside.md").write_text("not read", encoding="utf-8")
    (cards / "linked").symlink_to(elsewhere)  # a linked folder is not entered
    (cards / "link.md").symlink_to(cards / "deep" / "deeper" / "nested.md")  # a linked file is
    seen = snapshot(knowledge_dir)
    knowledge, problems = load_knowledge(knowledge_dir)  # the cards that load, and the files with a problem
    paths = [card.path for card in knowledge.cards.values()] + [Path(problem.path) for problem in problems]
    read = {str(path.absolute().relative_to(knowledge_dir)) for path in paths if path}
    assert set(seen) == read | {"sources.yaml"}
    assert {"cards/deep/deeper/nested.md", "cards/link.md"} <= read
    assert seen["cards/link.md"] == seen["cards/deep/deeper/nested.md"]  # the file it links to
    (cards / "deep" / "deeper" / "nested.md").write_text("a longer card", encoding="utf-8")
    assert snapshot(knowledge_dir)["cards/deep/deeper/nested.md"] != seen["cards/deep/deeper/nested.md"]


def test_the_watcher_thread_picks_up_a_change(knowledge_dir: Path, holder: EngineHolder) -> None:
    old = holder.engine
    watcher = KnowledgeWatcher(holder, settle=0.1).start(interval=0.05)
    try:
        rewrite_roles_answer(knowledge_dir)
        deadline = time.monotonic() + 10
        while holder.engine is old and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        watcher.stop()
    assert holder.engine.knowledge.cards["roles"].answer == NEW_ANSWER


def test_watching_runs_only_when_enabled_and_stops_with_the_bot(knowledge_dir: Path, holder: EngineHolder) -> None:
    with watching(load_settings(watch_knowledge=False), holder) as watcher:
        assert watcher is None
    with watching(load_settings(watch_knowledge=True), holder) as watcher:
        assert watcher is not None
        thread = watcher._thread
        assert thread is not None
        assert thread.is_alive()
    assert not thread.is_alive()
