import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.text import (
    APOSTROPHE,
    NOISE_WORDS,
    NON_WORD,
    PLATFORM_SYNTAX,
    POSSESSIVE,
    SMALL_TALK,
    char_ngrams,
    clean,
    clean_many,
    is_small_talk,
    question_text,
    split_letters_digits,
    stem,
    what_is_asked,
    without_address,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("What is LLAMA?!", "what is llama"),
        ("<@123456789> what is llama", "what is llama"),
        ("<@!42> <@&7> <#99> hi", "hi"),
        ("llama 3 when 👀🔥", "llama 3 when"),
        ("<:pepe:1234567890> pytorch <a:dance:42>", "pytorch"),
        ("whaaaaat is pytorch", "whaat is pytorch"),
        ("Zuck's plan", "zuck plan"),
        ("don't   know", "dont know"),
        ("see https://example.org/x?y=1 now", "see now"),
        ("@everyone what is mtia", "what is mtia"),
        ("@channel @U024BE7LH what is mtia", "what is mtia"),  # mentions as Slack's readable text has them
        ("what did @zuck say", "what did zuck say"),  # a name written as a handle is still a name
        ("ask bob@example.org", "ask bob example org"),  # an email address is no mention
        ("<!here> <@U123ABC> <#C1|general> ask", "ask"),
        ("snake_case_words", "snake case words"),
        ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
        ("", ""),
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_split_letters_digits() -> None:
    assert split_letters_digits("llama2") == ["llama", "2"]
    assert split_letters_digits("h100s") == ["h", "100", "s"]
    assert split_letters_digits("pytorch") == ["pytorch"]


def test_stem_merges_inflections_but_not_numbers() -> None:
    assert stem("models") == stem("model")
    assert stem("releasing") == stem("released")
    assert stem("h100s") == "h100"
    assert stem("2024") == "2024"


def test_char_ngrams_mark_word_boundaries() -> None:
    grams = char_ngrams("ab")
    assert " ab " in grams
    assert " a" not in grams  # shorter than the smallest n-gram
    assert set(char_ngrams("llama")) >= {" ll", "ama ", "llama"}


def _clean_every_step(text: str) -> str:
    """`clean` without its shortcuts: every step on every text."""
    text = unicodedata.normalize("NFKC", text)
    text = APOSTROPHE.sub("", POSSESSIVE.sub("", PLATFORM_SYNTAX.sub(" ", text)))
    text = re.sub(r"(\w)\1{2,}", r"\1\1", NON_WORD.sub(" ", text.casefold()))
    return " ".join(text.split())


CHAT_PIECES = st.sampled_from(
    ["<@123>", "<#C1|general>", "https://x.org/a", "@everyone", "@here", "@alice", "'s", "’s", "don't", "aaa", "ßß",
     "ﬁ", "Ｆｕｌｌ", "İ", "_", " ", "\t", "\n", "\x1c", "e\u0301", "<", "!!!", "lll", "ΣΑΣ", "😀", "١٢٣", "Q", "7",
     "\x00", "How", "AAA"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(CHAT_PIECES | st.text(max_size=4), max_size=10).map("".join))
def test_clean_shortcuts_change_nothing(text: str) -> None:
    assert clean(text) == _clean_every_step(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CHAT_PIECES | st.text(max_size=4), max_size=8).map("".join), max_size=8))
def test_many_texts_clean_as_each_alone(texts: list[str]) -> None:
    """Plain texts are cleaned as one string: no text's end may run into the next (repeats, spaces, separators)."""
    assert clean_many(texts) == [clean(text) for text in texts]


def test_stems_come_from_the_c_build_and_equal_the_pure_python_stemmer() -> None:
    from snowballstemmer.english_stemmer import EnglishStemmer

    from bot.engine import text

    assert type(text._stemmer).__module__ == "Stemmer"  # PyStemmer, which snowballstemmer hands over to
    reference = EnglishStemmer()
    words = ["generously", "running", "opensourcing", "democratization", "h100s", "llama2", "naïve", "flies", "ai"]
    for word in words:
        assert text._stemmer.stemWord(word) == reference.stemWord(word), word


@pytest.mark.parametrize(
    ("message", "small_talk"),
    [
        ("thanks bot", True),
        ("good bot", True),
        ("gm everyone", True),
        ("cheers all great bot", True),
        ("what are you good for", False),  # a question, in small talk's words
        ("thanks what is llama", False),
        ("bot what is pytorch", False),
        ("thanks", True),
        ("thank you so much", True),  # no content word, and asks nothing
        ("thanks that helped", True),
        ("nvm figured it out", True),
        ("thanks that fixed it", True),  # a member saying the answer worked, not asking about fixes
        ("sorted cheers", True),
        ("is it fixed", False),
        ("what is fixed in 2 4", False),
        ("login works but vpn fails", False),
        ("still not working", False),  # the answer did not work: a problem, never thanked for
        ("that didnt fix it", False),
        ("it not fixed yet", False),
        ("nothing works", False),
        ("that hasnt helped", False),
        ("no that worked thanks", True),
        ("how are you doing today", True),  # asked of the bot as a person
        ("how are you finding the new roles", False),
        ("what can you do", False),  # a question with no content word: a card may answer it
        ("", False),
    ],
)
def test_small_talk_is_only_small_talk(message: str, small_talk: bool) -> None:
    assert is_small_talk(message) is small_talk


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("hey bot what is llama", "hey what is llama"),
        ("bot what is llama", "what is llama"),
        ("what is llama bot", "what is llama"),
        ("bot tell me about llama", "tell me about llama"),
        ("bot can you explain llama", "can you explain llama"),
        ("bot doesnt work", "bot doesnt work"),  # what is asked about
        ("bot not responding what do i do", "bot not responding what do i do"),
        ("how to make a simple discord music bot", "how to make a simple discord music bot"),
        ("thanks bot", "thanks bot"),  # small talk, not a question
        ("bot", ""),
        ("bot commands", "bot commands"),
        ("are you a bot", "are you a bot"),  # what is asked about
        ("what can this bot do", "what can this bot do"),
        ("how do i build a discord bot", "how do i build a discord bot"),
        ("whats the best bot", "whats the best bot"),
        ("what is llama", "what is llama"),
    ],
)
def test_the_word_addressing_the_bot_is_left_out(message: str, question: str) -> None:
    assert without_address(message) == question


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("whats the deal with llama", "whats with llama"),
        ("hey bot what is the story with fair", "what is with fair"),  # the greeting is chat noise too
        ("zuckerbergs open ai shift whats the deal", "zuckerbergs open ai shift whats"),
        ("is the deal with microsoft done", "is the deal with microsoft done"),  # a deal asked about
        ("what is the story mode", "what is the story mode"),
        ("whats the deal of the day", "whats the deal of the day"),
    ],
)
def test_what_is_asked_leaves_out_idioms_and_address(message: str, question: str) -> None:
    assert what_is_asked(message) == question


def test_a_yes_no_question_is_no_small_talk() -> None:
    assert not is_small_talk("are you a bot")
    assert is_small_talk("you are a good bot")


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("heyyy how do i get roles", "how do i get roles"),
        ("good morning! how do i get roles", "how do i get roles"),
        ("wait so how do i get roles or nah", "how do i get roles"),
        ("how do i get roles asking for a friend", "how do i get roles"),
        ("gm quick q: how do i get roles rn pls", "how do i get roles"),
        ("hahaha how do i get roles lmaooo", "how do i get roles"),
        ("@faqbot how do i get roles", "how do i get roles"),
        ("how do i get roles @bot", "how do i get roles"),
        ("what did @zuck say about llama", "what did zuck say about llama"),  # a name asked about stays
        ("good morning everyone", "everyone"),  # nothing but noise: its last word is left, for small talk to see
        ("thanks", "thanks"),
        ("help with roles pls", "help with roles"),
        ("is the server down right now", "is the server down right now"),  # a time asked about stays
    ],
)
def test_the_openers_and_closers_of_chat_are_left_out(message: str, question: str) -> None:
    assert question_text(message) == question


def test_a_message_of_chat_noise_alone_is_small_talk() -> None:
    assert is_small_talk("sup if that makes sense", SMALL_TALK | NOISE_WORDS)
    assert not is_small_talk("how does that make sense", SMALL_TALK | NOISE_WORDS)
