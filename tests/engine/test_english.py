import gzip
import json
from importlib import resources

import numpy as np
import pytest

from bot.engine import english
from bot.engine.english import SortedCounts, american, frequencies, is_common, unknown_weight


@pytest.fixture(scope="module")
def word_list() -> dict[str, int]:
    """The installed list read plainly with json, as the reference."""
    path = resources.files("spellchecker") / "resources" / "en.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


def test_installed_list_is_sorted_by_word(word_list: dict[str, int]) -> None:
    words = list(word_list)
    assert words == sorted(words)  # what searching the text in place relies on


def test_counts_read_in_place_match_the_json(word_list: dict[str, int]) -> None:
    counts = frequencies()
    assert isinstance(counts, SortedCounts)
    words = list(word_list)
    for word in [*words[::5], words[-1]]:
        assert counts.get(word, 0) == word_list[word], word


@pytest.mark.parametrize("word", ["", "0000", "aaaaaaaa", "kalodexvor", "passwor", "zzzzzzzz", "ünïcödé"])
def test_words_not_in_the_list_get_the_default(word: str, word_list: dict[str, int]) -> None:
    assert word not in word_list
    assert frequencies().get(word, -1) == -1


def test_small_lists_and_odd_json() -> None:
    counts = SortedCounts.parse(b'{\n"apple": 7,\n"pear": 12\n}')
    assert (counts.get("apple", 0), counts.get("pear", 0), counts.get("fig", 0)) == (7, 12, 0)
    assert SortedCounts.parse(b'{"say \\"hi\\"": 3}') == {'say "hi"': 3}  # escapes: read as plain JSON


def test_everyday_words_weigh_less_than_rare_ones() -> None:
    assert is_common("because")
    assert not is_common("kalodexvor")
    assert unknown_weight("kalodexvor") == 1.0
    assert 0.35 <= unknown_weight("the") < unknown_weight("aardvark") < 1.0


@pytest.mark.parametrize(
    ("british", "us"),
    [
        ("licence", "license"),
        ("licences", "licenses"),
        ("colour", "color"),
        ("favourite", "favorite"),
        ("organised", "organized"),
        ("analyse", "analyze"),
        ("centre", "center"),
        ("travelled", "traveled"),
        ("programme", "program"),
        ("grey", "gray"),
    ],
)
def test_british_spellings_are_taken_as_american(british: str, us: str) -> None:
    assert american(british) == us
    assert american(us) == us


@pytest.mark.parametrize("word", ["four", "hour", "your", "tour", "promise", "silence", "science", "filled", "wise"])
def test_words_that_only_look_british_stay_as_they_are(word: str) -> None:
    assert american(word) == word


def test_quote_positions_are_found_across_slices_as_in_one_pass() -> None:
    data = b'{"a": 1, "bb": 22, ' * 20_000 + b'"last": 3}'  # many slices of the search
    found = english._positions(data, ord('"'))
    assert found.dtype == np.uint32
    np.testing.assert_array_equal(found, np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord('"')))
    assert len(english._positions(b"", ord('"'))) == 0
