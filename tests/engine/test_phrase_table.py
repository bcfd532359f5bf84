import pickle
import random
import zlib
from pathlib import Path

import numpy as np
import pytest

from bot.cards import KnowledgeBase
from bot.engine import Engine, cache
from bot.engine.phrase_table import PhraseTable
from bot.engine.text import clean

PHRASES = {
    "how do i reset my password": 0,
    "what is llama": 1,
    "café opening hours": 2,
    "emoji 🎉 party": 3,
    "": 4,
    "lone \ud800 surrogate": 5,
    "what is llama 2": 70_000,  # past 16 bits: the numbers widen
}


def test_a_table_is_the_mapping_it_was_made_from() -> None:
    table = PhraseTable(PHRASES)
    assert table == PHRASES
    assert len(table) == len(PHRASES)
    assert sorted(table) == sorted(PHRASES)
    for phrase, number in PHRASES.items():
        assert table[phrase] == number
        assert table.get(phrase) == number
    assert table.get("how do i reset my passwor") is None
    assert "what is llama 3" not in table
    with pytest.raises(KeyError):
        table["what is"]


def test_phrases_sharing_a_hash_are_told_apart_by_their_bytes() -> None:
    assert zlib.crc32(b"plumless") == zlib.crc32(b"buckeroo")
    table = PhraseTable({"plumless": 7, "buckeroo": 9, "other": 1})
    assert (table["plumless"], table["buckeroo"], table["other"]) == (7, 9, 1)
    assert table.get("plumles") is None


def test_an_empty_table_finds_nothing() -> None:
    table = PhraseTable({})
    assert len(table) == 0
    assert table.get("anything") is None
    assert table == {}


def test_a_renumbered_table_is_the_dict_renumbered_the_same_way() -> None:
    """Numbers moved (some left out), phrases added: new ones, one a left-out card had, and one a kept card has, which
    keeps the smaller number, as `update._laid_over` needs."""
    numbers = np.full(70_001, -1, dtype=np.int64)
    numbers[[0, 1, 2, 3, 70_000]] = [10, 3, 0, 8, 2]  # card 4 and 5 left out
    added = {"what is llama": 1, "lone \ud800 surrogate": 6, "plumless": 4, "buckeroo": 5, "brand new": 9}
    expected = {phrase: int(numbers[number]) for phrase, number in PHRASES.items() if numbers[number] >= 0}
    for phrase, number in added.items():
        expected[phrase] = min(number, expected.get(phrase, number))
    table = PhraseTable(PHRASES).renumbered(numbers, added)
    assert table == expected
    assert table["what is llama"] == 1
    assert table["how do i reset my password"] == 10
    assert PhraseTable({}).renumbered(numbers, {}) == {}
    assert PhraseTable(PHRASES).renumbered(numbers, {"what is llama": 9})["what is llama"] == 3


@pytest.mark.parametrize("seed", range(5))
def test_a_renumbered_table_of_many_phrases_is_the_dict_renumbered(seed: int) -> None:
    """Phrases moved, left out (some side by side, an empty one too) and added at random, as a reload's cards are."""
    rng = random.Random(seed)
    words = ["meetup", "role", "rules", "boost", "café", "🎉", "x", ""]
    phrases = {" ".join(rng.choices(words, k=rng.randint(0, 4))) + str(n % 97): n // 3 for n in range(600)}
    phrases[""] = 200
    numbers = np.array([rng.choice([-1, rng.randint(0, 300)]) for _ in range(201)], dtype=np.int64)
    added = {rng.choice([*phrases, f"new {n}"]): rng.randint(0, 300) for n in range(40)}
    expected = {phrase: int(numbers[number]) for phrase, number in phrases.items() if numbers[number] >= 0}
    for phrase, number in added.items():
        expected[phrase] = min(number, expected.get(phrase, number))
    table = PhraseTable(phrases).renumbered(numbers, added)
    assert table == expected
    assert all(table[phrase] == number for phrase, number in expected.items())


def test_a_pickled_table_reads_back_through_the_cache_unpickler(tmp_path: Path) -> None:
    path = tmp_path / "table.pickle"
    path.write_bytes(pickle.dumps(PhraseTable(PHRASES), protocol=pickle.HIGHEST_PROTOCOL))
    read = cache.read_entry(path, 1 << 20)
    assert isinstance(read, PhraseTable)
    assert read == PHRASES


def test_an_engine_read_back_from_the_cache_answers_every_phrase_as_built(
    knowledge: KnowledgeBase, tmp_path: Path
) -> None:
    built = Engine(knowledge, cache_dir=tmp_path)
    cache.flush()
    read = Engine(knowledge, cache_dir=tmp_path)
    assert read.index is not built.index
    assert read.index.exact == built.index.exact
    phrases = {clean(question): card.id for card in knowledge.cards.values() for question in card.questions}
    assert phrases
    for phrase in phrases:
        first, second = built.answer(phrase), read.answer(phrase)
        assert (second.outcome, second.score, second.card) == (first.outcome, first.score, first.card)
        assert second.score == 100.0
