"""The chat words lexicon: the shipped file reads cleanly, and a shorthand finds the card that writes the word out."""

from pathlib import Path

import pytest

from bot.cards.model import Card, CardSource, KnowledgeBase
from bot.engine import Engine, chat_words
from bot.engine.explain import explain
from bot.engine.features import analyse
from bot.engine.text import CHAT_FILLER, STOPWORDS, is_content
from bot.engine.vocabulary import Vocabulary

SOURCE = CardSource(document="handbook", section="Profiles")


def card(card_id: str, questions: list[str], answer: str) -> Card:
    return Card(id=card_id, questions=tuple(questions), answer=answer, source=SOURCE)


PROFILE_CARDS = [
    card(
        "avatar",
        ["How do I change my profile picture?", "where do i set my profile picture", "new profile picture"],
        "Open your user settings and upload an image under Profile.",
    ),
    card(
        "nickname",
        ["How do I change my nickname?", "where do i set my nickname", "new nickname"],
        "Right-click your name in the member list and pick Edit Server Profile.",
    ),
    card(
        "events",
        ["When is the next community event?", "upcoming events", "event calendar"],
        "Events are announced in #events a week ahead.",
    ),
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(KnowledgeBase({}, {each.id: each for each in PROFILE_CARDS}), threshold=15.0, margin=0.0)


def test_the_shipped_lexicon_reads_and_every_entry_can_apply() -> None:
    words = chat_words.chat_words()
    assert 150 <= len(words) <= 300
    never_read = [typed for typed in words if typed in STOPWORDS or typed in CHAT_FILLER]
    assert never_read == []  # function words and filler are left out of a question before the lexicon is read
    chained = [typed for typed, meant in words.items() if any(word in words for word in meant)]
    assert chained == []  # a reading is not read again: "x = y z" with "y" an entry would stop half way
    empty = [typed for typed, meant in words.items() if not any(is_content(w) and w not in CHAT_FILLER for w in meant)]
    assert empty == []  # a word read as function words alone would only drop out of the question


def test_comments_blank_lines_and_several_words_meant() -> None:
    lines = ["# a header", "", "pfp = profile picture", "  dm =  direct   message  "]
    assert chat_words.parse(lines, "test.txt") == {"pfp": ("profile", "picture"), "dm": ("direct", "message")}


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("pfp profile picture", "expected `typed = meant`"),
        ("pfp =", "expected `typed = meant`"),
        ("= picture", "expected `typed = meant`"),
        ("pf p = profile picture", "expected `typed = meant`"),
        ("PFP = profile picture", "expected `typed = meant`"),
        ("pfp = profile = picture", "expected `typed = meant`"),
        ("pfp = Profile Picture", "must be lowercase words"),
        ("pfp = pfp", "mapped to itself"),
        ("ppl = people", "listed twice"),
        ("brrr = cold", "cleaned to 'brr'"),  # a letter three times over is squeezed: the entry could never apply
        ("cold = brrr", "cleaned to 'brr'"),
    ],
)
def test_a_malformed_line_is_named_by_file_and_line(line: str, says: str) -> None:
    with pytest.raises(chat_words.ChatWordsError, match=f"^lexicon.txt:3: .*{says}"):
        chat_words.parse(["# header", "ppl = people", line], "lexicon.txt")


def test_a_malformed_shipped_file_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "chat_words.txt"
    broken.write_text("ppl = people\npfp profile picture\n", encoding="utf-8")
    monkeypatch.setattr(chat_words, "CHAT_WORDS_FILE", broken)
    chat_words.chat_words.cache_clear()
    try:
        with pytest.raises(chat_words.ChatWordsError, match=r"chat_words\.txt:2"):
            Vocabulary.build([["people"]], {})
    finally:
        chat_words.chat_words.cache_clear()


def test_a_card_that_uses_the_short_form_keeps_it() -> None:
    assert Vocabulary.build([["pfp", "rules"]], {}).correct("pfp") == (("pfp",), False)
    assert Vocabulary.build([["profile", "picture"]], {}).correct("pfp") == (("profile", "picture"), False)
    assert Vocabulary.build([["dm", "mods"]], {}).correct("dms") == (("dm",), False)  # its singular, not the meaning
    assert Vocabulary.build([["pfp"]], {"pfp": "avatar"}).expand_synonyms("my pfp") == "my avatar"  # synonyms first


def test_a_mapped_word_weighs_as_the_cards_own_words() -> None:
    held = Vocabulary.build([["profile", "picture"], ["nickname"]], {})
    assert [(part.word, part.weight) for part in analyse(held, "pfp") or ()] == [("profile", 1.0), ("picture", 1.0)]


def test_a_shorthand_finds_the_card_that_writes_the_word_out(engine: Engine) -> None:
    match = engine.answer("how do i change my pfp")
    assert match.answered
    assert match.card is not None
    assert match.card.id == "avatar"  # not the nickname card, which shares every other word (read as typed, it wins)


def test_explain_shows_the_reading(engine: Engine) -> None:
    readings = {word.typed: word.reading for word in explain(engine, "how do i change my pfp").words}
    assert readings["pfp"] == "chat words for profile picture (chat_words.txt)"
