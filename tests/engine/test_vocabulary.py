from collections import Counter

import numpy as np
import pytest

from bot.engine.vocabulary import Vocabulary


@pytest.fixture
def vocabulary() -> Vocabulary:
    words = [["pytorch", "llama", "zuckerberg", "foundation"], ["llama", "meta", "gpus"], ["linux", "foundation"]]
    return Vocabulary.build(words, {"zuck": "zuckerberg", "fb": "facebook"})


def test_known_words_stay(vocabulary: Vocabulary) -> None:
    assert vocabulary.correct("llama") == (("llama",), False)


@pytest.mark.parametrize(
    ("typo", "fixed"),
    [("pytroch", "pytorch"), ("lamma", "llama"), ("zuckerburg", "zuckerberg"), ("foundaton", "foundation")],
)
def test_typos_are_corrected_onto_the_vocabulary(vocabulary: Vocabulary, typo: str, fixed: str) -> None:
    assert vocabulary.correct(typo) == ((fixed,), True)


def test_a_word_undoing_a_card_word_is_no_typo_of_it() -> None:
    vocabulary = Vocabulary.build([["install", "python"], ["link", "account"]], {})
    assert vocabulary.correct("uninstall") == (("uninstall",), False)  # two edits from "install", but its opposite
    assert vocabulary.correct("instal") == (("install",), True)


def test_a_card_word_typed_as_two_is_joined(vocabulary: Vocabulary) -> None:
    assert vocabulary.rejoined("what is py torch") == "what is pytorch"
    assert vocabulary.rejoined("linux foundation") == "linux foundation"  # two of the cards' words stay two


def test_doubled_letters_do_not_matter(vocabulary: Vocabulary) -> None:
    assert vocabulary.correct("metaa") == (("meta",), True)
    assert vocabulary.correct("lama") == (("llama",), True)


def test_glued_versions_split(vocabulary: Vocabulary) -> None:
    assert vocabulary.correct("llama2") == (("llama", "2"), False)


def test_two_known_words_typed_as_one_split() -> None:
    vocabulary = Vocabulary.build([["open", "source", "now", "here", "pytorch", "foundation"]], {})
    assert vocabulary.correct("opensource") == (("open", "source"), False)
    assert vocabulary.correct("pytorchfoundation") == (("pytorch", "foundation"), False)
    assert vocabulary.correct("nowhere") == (("nowhere",), False)  # an everyday word, not two glued ones


def test_short_and_far_words_are_left_alone(vocabulary: Vocabulary) -> None:
    assert vocabulary.correct("gpt") == (("gpt",), False)  # too short to guess
    assert vocabulary.correct("weather") == (("weather",), False)  # nothing close


def test_synonyms_expand_whole_words_only(vocabulary: Vocabulary) -> None:
    assert vocabulary.expand_synonyms("what did zuck say") == "what did zuckerberg say"
    assert vocabulary.expand_synonyms("zucker fbi") == "zucker fbi"


def test_a_synonyms_plural_stands_for_it(vocabulary: Vocabulary) -> None:
    # "zucks open source pivot": the apostrophe of "zuck's" left out
    assert vocabulary.expand_synonyms("zucks pivot") == "zuckerberg pivot"
    news = Vocabulary.build([["news"]], {"new": "recent"})
    assert news.expand_synonyms("new news") == "recent news"  # another word, not a plural: its stem differs


def test_ties_prefer_the_word_more_cards_use() -> None:
    vocabulary = Vocabulary(Counter({"model": 5, "modem": 1}), {})
    assert vocabulary.correct("modek")[0] == ("model",)


def test_a_word_counts_once_a_card() -> None:
    vocabulary = Vocabulary.build([["llama", "llama", "meta"], [], ["llama"]], {})
    assert vocabulary.counts == Counter({"llama": 2, "meta": 1})


def test_a_dropped_g_is_put_back_before_any_typo_fix() -> None:
    vocabulary = Vocabulary.build([["main", "making", "open"]], {})
    assert vocabulary.correct("makin") == (("making",), False)  # not "main", one edit away
    assert vocabulary.correct("talkin") == (("talking",), False)  # an everyday word no card uses
    assert vocabulary.correct("begin") == (("begin",), False)  # a word of its own
    ring = Vocabulary.build([["ring", "minimum"]], {})
    assert ring.correct("rin")[0] != ("ring",)  # no -ing form: "ring" is a word of its own
    assert ring.correct("min") == (("min",), False)  # not "ming"


def test_chat_spellings_read_as_their_words_unless_a_card_uses_them() -> None:
    assert Vocabulary.build([["people"]], {}).correct("ppl") == (("people",), False)
    assert Vocabulary.build([["ppl", "lead"]], {}).correct("ppl") == (("ppl",), False)
    assert Vocabulary.build([["post", "pics"]], {}).correct("pic") == (("pics",), False)  # the card's own spelling
    assert Vocabulary.build([["trading", "algo"]], {}).correct("algos")[0] == ("algo",)  # not "algorithms"
    assert Vocabulary.build([["lead"]], {"ppl": "pay per lead"}).expand_synonyms("ppl") == "pay per lead"


def test_a_typo_only_a_learned_phrasing_uses_is_still_corrected() -> None:
    """A member's typo taught to the bot ("pytroch") stays a typo of the cards' word, not a word of its own."""
    names = ["pytorch", "foundation", "pytroch", "hand"]
    tokens = np.array([0, 1, 2, 3, 1])
    cards = np.array([0, 0, 1, 1, 1])
    learned = np.array([False, False, True, True, False])
    vocabulary = Vocabulary.counted(names, tokens, cards, {}, learned)
    assert vocabulary.learned_only == frozenset({"pytroch", "hand"})
    assert vocabulary.correct("pytroch") == (("pytorch",), True)
    assert vocabulary.correct("hand") == (("hand",), False)  # an everyday word is meant as typed
    assert "hand" in vocabulary
    assert not vocabulary.holds("hand")
