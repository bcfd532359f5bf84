"""The loaded cards read back on a start with no card file changed, and loaded again on any change."""

import io
import logging
import os
import random
from dataclasses import replace
from pathlib import Path

import pytest

from bot import card_snapshot
from bot.card_snapshot import load_cards, sorted_in_slices
from bot.cards import KnowledgeBase, Problem, load_knowledge, stamps
from bot.cards.loader import CardMemo
from bot.engine import index_key
from bot.engine.cache import flush
from bot.holder import EngineHolder
from tests.cards.small_base import small_base, write_card


@pytest.fixture
def root(tmp_path: Path) -> Path:
    knowledge = small_base(tmp_path)
    return knowledge


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def unparsed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders the snapshot had to load (parse) again: empty when it read its entry back."""
    loads: list[Path] = []

    def counted(folder: Path, memo: CardMemo | None = None) -> tuple[KnowledgeBase, list[Problem]]:
        loads.append(folder)
        return load_knowledge(folder, memo=memo)

    monkeypatch.setattr(card_snapshot, "load_knowledge", counted)
    return loads


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test count as long settled: their stat alone tells a change (no content hashed)."""
    monkeypatch.setattr(stamps, "RACY_SECONDS", 0)


def _answers(loaded: tuple[KnowledgeBase, list[Problem]]) -> dict[str, str]:
    return {card.id: card.answer for card in loaded[0].cards.values()}


def test_a_start_with_nothing_changed_reads_nowrite_card(root: Path, cache: Path, unparsed: list[Path]) -> None:
    first = load_cards(root, cache)
    again = load_cards(root, cache)
    assert unparsed == [root]  # the first start only
    assert again[0] == first[0]
    assert again[0].cards["roles"].path == root / "cards" / "roles.md"


@pytest.mark.usefixtures("settled")
def test_a_changed_card_is_served_with_its_new_text(root: Path, cache: Path, unparsed: list[Path]) -> None:
    load_cards(root, cache)
    write_card(root, "roles.md", "how do i get a role", "Pick yours from the role menu in the roles channel.")
    assert _answers(load_cards(root, cache))["roles"] == "Pick yours from the role menu in the roles channel."
    assert len(unparsed) == 2


@pytest.mark.usefixtures("settled")
def test_a_card_rewritten_to_the_same_size_and_mtime_is_read_again(root: Path, cache: Path) -> None:
    """A new file (another inode) in place of the old, as an editor's save writes it, with the old stat copied."""
    path = root / "cards" / "roles.md"
    load_cards(root, cache)
    before = path.stat()
    replacement = root / "cards" / ".roles.md.new"
    replacement.write_text(path.read_text(encoding="utf-8").replace("Open", "Seek"), encoding="utf-8")
    os.replace(replacement, path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert path.stat().st_ino != before.st_ino
    assert _answers(load_cards(root, cache))["roles"] == "Seek the roles channel."


def test_a_card_changed_within_its_clock_tick_is_read_again(
    root: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change whose stat shows nothing (made within the clock tick of the stat, as a coarse clock allows): the
    content hashed for a file changed just before its entry was made tells."""
    stamps = list(card_snapshot._stamps(root))
    monkeypatch.setattr(card_snapshot, "_stamps", lambda _: iter(stamps))
    load_cards(root, cache)
    path = root / "cards" / "roles.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Open", "Seek"), encoding="utf-8")
    assert _answers(load_cards(root, cache))["roles"] == "Seek the roles channel."
    assert _answers(load_cards(root, cache))["roles"] == "Seek the roles channel."  # and the entry made then is right


@pytest.mark.usefixtures("settled")
def test_a_removed_card_disappears_and_an_added_one_appears(root: Path, cache: Path) -> None:
    load_cards(root, cache)
    (root / "cards" / "rules" / "rules.md").unlink()
    write_card(root, "new/boosts.md", "how do server boosts work", "Boosts unlock perks for everyone.")
    assert set(load_cards(root, cache)[0].cards) == {"roles", "boosts"}


@pytest.mark.usefixtures("settled")
def test_a_linked_card_retargeted_is_read_again(root: Path, cache: Path) -> None:
    """As a ConfigMap's update swaps the files its links lead to (the targets are no cards: not `.md`)."""
    for name in ("a", "b"):
        write_card(root, f"stock/{name}.md", "how do i get a role", f"Answer from file {name}.").rename(
            root / "cards" / "stock" / f"{name}.txt"
        )
    (root / "cards" / "roles.md").unlink()
    link = root / "cards" / "linked.md"
    link.symlink_to(root / "cards" / "stock" / "a.txt")
    assert _answers(load_cards(root, cache))["linked"] == "Answer from file a."
    link.unlink()
    link.symlink_to(root / "cards" / "stock" / "b.txt")
    assert _answers(load_cards(root, cache))["linked"] == "Answer from file b."


@pytest.mark.usefixtures("settled")
def test_a_changed_sources_file_is_read_again(root: Path, cache: Path) -> None:
    load_cards(root, cache)
    (root / "sources.yaml").write_text("- id: handbook\n  title: The members' handbook\n", encoding="utf-8")
    assert load_cards(root, cache)[0].sources["handbook"].title == "The members' handbook"


def test_the_problems_found_are_kept_warnings_too(root: Path, cache: Path, unparsed: list[Path]) -> None:
    write_card(root, "short.md", "roles", "A one-word question.", extra="  - what roles are there\n")
    write_card(root, "broken.md", "how do i get banned", "Cites nothing known.").write_text(
        "---\nquestions: [how do i get banned]\nsource: {document: nowhere}\n---\nNo.\n", encoding="utf-8"
    )
    first = load_cards(root, cache)
    again = load_cards(root, cache)
    assert len(unparsed) == 1
    assert again[1] == first[1]
    assert any(problem.warning for problem in again[1])
    assert any(not problem.warning for problem in again[1])
    assert "broken" not in again[0].cards


def test_a_warm_start_logs_the_problems_a_cold_one_does(
    root: Path, cache: Path, unparsed: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    (root / "cards" / "broken.md").write_text("---\nquestions: [\n---\nNo.\n", encoding="utf-8")
    logged = []
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="bot.holder"):
            holder = EngineHolder(root, cache_dir=cache)
        logged.append([record.getMessage() for record in caplog.records])
    assert len(unparsed) == 1
    assert logged[0] == logged[1]
    assert any("broken.md" in line and "bad YAML" in line for line in logged[1])
    assert [str(problem) for problem in holder.problems] == logged[1][1:]


def test_a_damaged_entry_costs_a_load(root: Path, cache: Path, unparsed: list[Path]) -> None:
    load_cards(root, cache)
    flush()  # the entry is written by a thread
    (entry,) = cache.glob("cards-*.pickle")
    entry.write_bytes(entry.read_bytes()[:-100])
    assert set(load_cards(root, cache)[0].cards) == {"roles", "rules"}
    assert len(unparsed) == 2


def test_an_entry_cannot_make_other_objects(root: Path, cache: Path, unparsed: list[Path]) -> None:
    load_cards(root, cache)
    flush()  # the entry is written by a thread
    (entry,) = cache.glob("cards-*.pickle")
    entry.write_bytes(b"cos\nsystem\n(S'echo planted'\ntR.")
    assert set(load_cards(root, cache)[0].cards) == {"roles", "rules"}
    assert len(unparsed) == 2


def test_no_cache_folder_loads_every_time(root: Path, unparsed: list[Path]) -> None:
    load_cards(root, None)
    load_cards(root, None)
    assert len(unparsed) == 2


@pytest.mark.usefixtures("settled")
def test_a_restart_after_an_edit_answers_with_the_new_text(root: Path, cache: Path) -> None:
    before = EngineHolder(root, cache_dir=cache).engine.answer("how do i get a role")
    write_card(root, "roles.md", "how do i get a role", "Pick yours from the role menu.")
    after = EngineHolder(root, cache_dir=cache).engine.answer("how do i get a role")
    assert before.card is not None
    assert after.card is not None
    assert (before.card.answer, after.card.answer) == ("Open the roles channel.", "Pick yours from the role menu.")


def test_a_reload_with_nothing_changed_reads_no_card_and_keeps_the_engine(
    root: Path, cache: Path, unparsed: list[Path]
) -> None:
    holder = EngineHolder(root, cache_dir=cache)
    serving = holder.engine
    holder.reload()
    assert holder.engine is serving
    assert len(unparsed) == 1


@pytest.mark.parametrize("count", [0, 1, 7, 1000, 2345])
def test_paths_sorted_in_slices_come_in_the_order_of_one_sort(count: int) -> None:
    rng = random.Random(count)
    parts = ["a", "a-b", "a.md", "b", "é"]
    paths = ["/".join(rng.choice(parts) for _ in range(rng.randint(1, 4))) for _ in range(count)]
    assert list(sorted_in_slices(paths, str, size=100)) == sorted(paths)


def test_the_engine_key_read_back_is_the_key_the_cards_read_back_make(
    root: Path, cache: Path, unparsed: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_cards(root, cache)
    flush()
    knowledge, _ = load_cards(root, cache)
    assert unparsed == [root]
    cards = list(knowledge.cards.values())
    handed_over = index_key.cards_key(cards)
    monkeypatch.setattr(index_key, "_known", None)
    assert handed_over == index_key.cards_key(cards)  # made again from every field


def test_a_key_handed_over_serves_only_the_same_card_objects(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cards = list(load_knowledge(root)[0].cards.values())
    monkeypatch.setattr(index_key, "_known", None)
    made = index_key.cards_key(cards)
    index_key.known_key(cards, b"handed over")
    assert index_key.cards_key(cards) == b"handed over"
    assert index_key.cards_key(cards) == made  # taken once: not held for the life of the process
    index_key.known_key(cards, b"handed over")
    assert index_key.cards_key([replace(card) for card in cards]) == made  # equal cards, other objects
    assert index_key.cards_key(cards[::-1]) != made
    assert index_key.cards_key(cards[:-1]) not in (made, b"handed over")


def test_an_engine_started_on_cards_read_back_answers_as_one_built_from_the_files(root: Path, cache: Path) -> None:
    EngineHolder(root, cache_dir=cache)
    flush()
    warm = EngineHolder(root, cache_dir=cache).engine
    cold = EngineHolder(root).engine
    questions = [question for card in cold.cards for question in card.questions] + ["how do i get a role", "hello"]
    for question in questions:
        first, second = cold.answer(question), warm.answer(question)
        assert (second.outcome, second.score, second.card) == (first.outcome, first.score, first.card)


def test_card_paths_are_kept_as_each_folder_once_and_read_back_equal(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge" / "cards" / "a-long-folder-name-for-the-test"
    paths = [folder / f"card-{number}.md" for number in range(50)] + [Path("/"), Path("relative/card.md")]
    blob = card_snapshot._pickled(paths)
    assert blob.count(b"a-long-folder-name-for-the-test") == 1
    assert card_snapshot._CardsUnpickler(io.BytesIO(blob)).load() == paths
