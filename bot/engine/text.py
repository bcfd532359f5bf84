"""Turn chat text into comparable tokens: the one normalization every card and question goes through."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import snowballstemmer

from bot.engine.english import american
from bot.engine.memo import WordCache

# Platform syntax that carries no meaning for matching: Discord user/role/channel mentions, custom emoji and
# timestamps, Slack's <@U…>, <#C…|name>, <!here> and <!subteam^…>, links, and as plain text the mass mentions
# (@everyone, @here, @channel) and Slack user ids (@U024BE7LH), as Slack's mentions read once made readable. Any
# other "@name" keeps its name: "what did @zuck say" is about Zuckerberg.
PLATFORM_SYNTAX = re.compile(
    r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:-?\d+(?::\w)?|[@#!][\w^]+(?:\|[^>]*)?)>|<?https?://\S+>?"
    r"|(?<!\w)@(?:everyone|here|channel)\b|(?<!\w)@[UW][A-Z0-9]{4,}\b"
)
POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")
NON_WORD = re.compile(r"[\W_]+")
REPEATS = re.compile(r"(.)\1\1+")
ASCII_NON_WORD = str.maketrans({chr(code): " " for code in range(128) if not chr(code).isalnum()})
LETTER_DIGIT = re.compile(r"(?<=[^\W\d])(?=\d)|(?<=\d)(?=[^\W\d])")

# Function words and chat filler: they say how something is asked, not what about, so they neither match a card
# nor count as unknown words.
STOPWORDS = frozenset(
    """
    a about above actually after again against all also am an and any anybody anyone anything are aren around as
    at be been before being below between both but by can cannot could couldn did didn do does doesn doing don done
    down during each either else even ever every few for from further get gets getting give go goes going gonna
    got had has hasn have haven having he her here hers herself him himself his how however i if im in into is isn
    it its itself ive just kind know let lets like me mean might more most much must my myself need no nor not now
    of off on once one only or other ought our ours ourselves out over own please pls plz really right said say
    says see she should so some someone something sort still such tell than thank thanks thats the their theirs
    them themselves then there these they thing things think this those though through thx to too tho u ur under
    until up upon us very wanna want was wasn way we were weren what whats when where whether which while who whom
    whos why will with wonder wondering would wouldn ya yall yeah yes yet you your youre yours yourself hey hi hello
    hmm ok okay so explain explained anyone somebody guys guy bro fam pal folks lol lmao idk tbh btw ya quick question
    q qs curious wat wut teh da r y yo dat dis wanna gotta
    isnt doesnt dont cant wont couldnt wouldnt shouldnt didnt arent wasnt werent hasnt havent hadnt ain aint
    whered wheres hows whys theyre youve weve theyve itll thatll youll kinda sorta
    everyone everybody everything nobody noone nothing someones anyones everyones
    whose whatever whenever wherever whoever whichever because although unless whereas onto toward
    towards among amongst besides shall oh ah youd hed theyd
    stuff literally basically honestly ngl tryna lowkey fr rn imo imho tbf smh omg anyway anyways heard
    """.split()
)

# Chat shorthand and words asking for a plain explanation: filler in a question, unless a card uses the word (a
# server may have a "beginners" card, or be in BC).
CHAT_FILLER = frozenset(
    """
    afaik iirc fwiw nvm jk ik ofc obv obvs rly abt bout atm bc cuz coz bcuz prob probs tl dr etc smth sth prolly
    eli5 dummies dummy beginner beginners newbie newbies noob noobs layman laymans nutshell
    today tonight tomorrow yesterday currently lately recently anymore soon later
    """.split()
)


# The Snowball English stemmer: snowballstemmer hands over to PyStemmer, its C build, when that is installed
# (the same stems, much faster: a build stems every distinct card word; bench/README.md).
class _Stemmer(Protocol):
    """What the engine uses of a snowballstemmer stemmer (the package ships no type information)."""

    def stemWord(self, word: str) -> str: ...  # noqa: N802 (the package's name)


_stemmer: _Stemmer = snowballstemmer.stemmer("english")


def clean(text: str) -> str:
    """Lowercase words separated by single spaces: no platform syntax, punctuation, emoji or long repeats."""
    # Each step runs only when the text has what it removes: cards and most questions are plain ASCII, and the
    # build cleans every card's text.
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if "<" in text or "@" in text or "http" in text:
        text = PLATFORM_SYNTAX.sub(" ", text)
    if "'" in text or "’" in text:
        text = APOSTROPHE.sub("", POSSESSIVE.sub("", text))
    text = text.casefold()
    text = text.translate(ASCII_NON_WORD) if text.isascii() else NON_WORD.sub(" ", text)
    # Only word characters and single spaces are left, so any character repeated three times is a word's.
    return REPEATS.sub(r"\1\1", " ".join(text.split()))


# The plain texts of a batch are cleaned as one string, separated by a character that cleaning turns into a line
# break: no step of `clean` reads across a line break, so each line comes out as its text alone would.
_SEPARATOR = "\x00"
_PLAIN_NON_WORD = {**ASCII_NON_WORD, ord(_SEPARATOR): "\n"}
_SPACES = re.compile("  +")


def _plain(text: str) -> bool:
    """An ASCII text with no platform syntax: `clean` only lowercases it, drops apostrophes and punctuation, and
    squeezes spaces and repeats."""
    return text.isascii() and not ("<" in text or "@" in text or "http" in text or _SEPARATOR in text)


def _has_repeats(text: str) -> bool:
    """Whether an ASCII text has a character three times in a row: a vectorised look, five times faster than the
    regex's, and most card text has none."""
    data = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return bool(np.any((data[2:] == data[1:-1]) & (data[1:-1] == data[:-2])))


def clean_many(texts: Sequence[str]) -> list[str]:
    """`clean` of each text. The plain ones (most of a knowledge base) are cleaned as one string: a build cleans
    tens of thousands of texts, and one pass over them all costs a fraction of a call for each."""
    cleaned = list(texts)
    plain: list[int] = []
    for index, text in enumerate(texts):
        if not _plain(text):
            cleaned[index] = clean(text)
            continue
        plain.append(index)
        if "'" in text:  # as `clean` does, before lowercasing ("'S" is no possessive)
            cleaned[index] = APOSTROPHE.sub("", POSSESSIVE.sub("", text))
    if plain:
        joined = _SEPARATOR.join([cleaned[index] for index in plain]).lower().translate(_PLAIN_NON_WORD)
        # Only letters, digits, spaces and line breaks are left: runs of spaces squeezed, then those left at a line's
        # ends dropped, over the whole text at once rather than a split and a join for each line.
        joined = _SPACES.sub(" ", joined).replace(" \n", "\n").replace("\n ", "\n").strip(" ")
        if _has_repeats(joined):
            joined = REPEATS.sub(r"\1\1", joined)
        for index, text in zip(plain, joined.split("\n"), strict=True):
            cleaned[index] = text
    return cleaned


@WordCache
def stem(word: str) -> str:
    """A word's Snowball stem, British spellings taken as American ("licence" as "license")."""
    if word.isalpha():
        return _stemmer.stemWord(american(word))
    if len(word) > 2 and word[-1] == "s" and word[-2].isdigit():
        return word[:-1]  # "h100s" → "h100"
    return word


def split_letters_digits(word: str) -> list[str]:
    """`llama2` → `llama`, `2`: chat glues versions to names."""
    return LETTER_DIGIT.sub(" ", word).split()


def is_content(word: str) -> bool:
    return word not in STOPWORDS


def content_key(text: str) -> str:
    """A text as the engine reads it down to its content words' stems, sorted, so wording and word order matter
    little (the cleaned words when it has none): what the reports group two wordings of one question by."""
    words = clean(text).split()
    content = [stem(word) for word in words if is_content(word)]
    return " ".join(sorted(content)) if content else " ".join(words)


def says_nothing(word: str) -> bool:
    """Whether a word no card uses is only filler: chat shorthand, or a lone letter ("w/o", "u r")."""
    return word in CHAT_FILLER or (len(word) == 1 and word.isalpha())


# Small talk's words that say how an answer went, and the words that turn them into a problem: "thanks, that fixed it"
# is small talk, "still not working" is not.
OUTCOMES = frozenset("fixed solved sorted resolved works working worked helped helps helpful".split())
NEGATIONS = frozenset(
    "not nothing nor never nope didnt doesnt dont isnt wasnt arent werent hasnt havent hadnt cant cannot couldnt wont "
    "wouldnt aint".split()
)
# Words that, with nothing but function words around them, make a message small talk addressed to the bot ("thanks
# bot!", "good bot", "gm all"): no card answers it, though the bot's own cards have the word "bot".
SMALL_TALK = OUTCOMES | frozenset(
    """
    bot bots ty tysm tyvm cheers good nice great cool awesome amazing love lovely appreciate appreciated
    gm gn morning night evening afternoon everyone bye cya later sup hiya howdy haha xd wow
    weekend ttyl brb gg np yw congrats thanks thank thx perfect figured nvm nevermind that today
    """.split()
)
# Asked of the bot as a person, not of the cards: "how are you", "hows it going", "you there?".
SMALL_TALK_QUESTION = re.compile(
    r"(?:how are (?:you|u|ya)|how r u|hows it going|how is it going|how you doing|are you there|you there)"
    r"(?: doing)?(?: today)?"
)

# A message addresses the bot by this word after a greeting ("hey bot ..."), before a question or request ("bot, what
# is llama", "bot can you ..."), or at the end of a question with no article ("what is llama bot"). It stays where it
# is what is asked about: "are you a bot", "bot doesnt work", "how do i make a simple discord bot".
ADDRESS = "bot"
GREETINGS = frozenset("hey hi hello yo ok okay oi dear sup".split())
REQUESTS = frozenset("pls please plz tell explain give show".split())
DETERMINERS = frozenset("a an the this that these those your ur my our their any some".split())


QUESTION_WORDS = frozenset("what whats how hows why who whos when where which".split())
QUESTION_OPENERS = frozenset(
    "are is am do does did can could will would should has have isnt arent doesnt dont didnt cant wont".split()
)


def is_question(cleaned: str) -> bool:
    """Whether a cleaned text asks something: it has a question word, or opens as a yes/no question does."""
    return _asks(cleaned.split())


def _asks(words: list[str]) -> bool:
    return bool(words) and (words[0] in QUESTION_OPENERS or not QUESTION_WORDS.isdisjoint(words))


# "What's the deal with X" asks about X: the idiom's noun names nothing the question is about.
IDIOM = re.compile(r"\b(whats|what is|what) the (?:deal|story)(?= with\b|$)")  # "what's" is cleaned to "what"


def what_is_asked(cleaned: str, keep: frozenset[str] = frozenset()) -> str:
    """A cleaned question without what says nothing of what is asked: the word addressing the bot, chat idioms, and
    the openers and closers of chat around it."""
    return without_noise(without_address(without_noise(IDIOM.sub(r"\1", cleaned), keep)), keep)


# A name typed at the very start or end of a message ("@faqbot what is ...", "... @bot"): said to someone, not asked
# about. A real platform mention is removed by `clean` already; a name inside the question stays ("what did @zuck say").
TYPED_NAME = re.compile(r"^\s*@[\w.-]+[,:]?(?=\s)|(?<=\s)@[\w.-]+[\s.!?]*$")


def question_text(question: str, keep: frozenset[str] = frozenset()) -> str:
    """A question as it is matched: cleaned, and without what is said around it."""
    if "@" in question:
        question = TYPED_NAME.sub(" ", question)
    return what_is_asked(clean(question), keep)


# The openers and closers of chat, as cleaned text: greetings, hedges, discourse markers, thanks, laughter, requests
# for help. None says what is asked, so each is taken off the start or end of a question while a content word is
# left ("good morning! how do i ..." is a question about how to; "good morning" alone is small talk).
OPENERS = tuple(
    phrase.split()
    for phrase in """
    good morning|good afternoon|good evening|good night|morning all|morning everyone|evening all|gm|gn|hi all|hey all
    |hello all|hi everyone|hey everyone|hello everyone|hi guys|hey guys|hi folks|hey folks|hi there|hey there|hiya
    |howdy|heya|heyy|hii|hiii|sup|yo|hey|hi|hello|quick question|quick q|random question|random q|small question
    |silly question|dumb question|stupid question|noob question|newbie question|silly q|dumb q|stupid q|noob q
    |sorry if dumb q|sorry if stupid q|sorry if dumb question|sorry if stupid question|sorry if this is dumb
    |sorry if this is stupid|might be a dumb question|probably a dumb question|question|sorry if this was asked
    before|sorry if this has been asked before|sorry if this was already asked|sorry if this is a dumb question|sorry
    to bother|sorry|wait so|wait|ok so|okay so|so like|so|like|real quick|re the earlier thing|re earlier|re that
    |newbie here|new here|noob here|im new here|im new|asking for a friend|for a friend
    |um|umm|uh|uhh|er|erm|hmm|hm|ah|oh|ooh|well|welp|alright
    |alright so|right so|also|and|but|btw|anyway|anyways|ngl|tbh|honestly|lol ok|lol|lmao|haha|omg|pls|please|plz
    """.replace("\n", "").split("|")
)
CLOSERS = tuple(
    phrase.split()
    for phrase in """
    or nah|or not|or what|or something|or smth|or sth|and stuff|asking for a friend|in this context|in that context
    |if that makes sense|if it makes sense|just curious|just wondering|no rush|thanks in advance|thanks a lot|thanks
    |thank you|thank u|ty|tia|thx|tysm|cheers|cheers mate|much appreciated|appreciate it|appreciate any help|any help
    appreciated|help|pls help|please help|help pls|help please|halp|anyone|anybody|any ideas|any idea|anyone know
    |does anyone know|anybody know|rn|tho|though|btw|asap|pls|please|plz|lol|lmao|haha
    |hahaha|xd|fr|idk|ok|okay|guys|everyone|all|folks|bot|mate|bro|again|re this|re that
    """.replace("\n", "").split("|")
)
# The words only chat noise is made of: a message of these alone says nothing to look up ("sup if that makes sense"),
# as small talk does not. Words that can name a topic are not among them ("help", "question", "context").
NOISE_WORDS = frozenset(word for phrase in OPENERS + CLOSERS for word in phrase if is_content(word)) - frozenset(
    "help halp question context friend earlier thing new".split()
)
LAUGHTER = re.compile(r"^(?:(?:ha|he|hi)h?){2,}|lo+l|lmf?a+o+|rofl|xd+$")


def without_noise(cleaned: str, keep: frozenset[str] = frozenset()) -> str:
    """A cleaned question without the openers and closers of chat around it, as long as a word is left: a message
    of noise alone comes down to its last word, which small talk then recognizes ("hello if that makes sense").
    A phrase made of `keep`'s words stays: a card there for small talk uses them ("good morning")."""
    words = cleaned.split()
    changed = True
    while changed:
        changed = False
        for phrase in OPENERS:
            if len(words) > len(phrase) and words[: len(phrase)] == phrase and not keep.issuperset(phrase):
                words, changed = words[len(phrase) :], True
                break
        for phrase in CLOSERS:
            if len(words) > len(phrase) and words[-len(phrase) :] == phrase and not keep.issuperset(phrase):
                words, changed = words[: -len(phrase)], True
                break
        if len(words) > 1 and LAUGHTER.fullmatch(words[0]):
            words, changed = words[1:], True
        if len(words) > 1 and LAUGHTER.fullmatch(words[-1]):
            words, changed = words[:-1], True
    return " ".join(words)


def without_address(cleaned: str) -> str:
    """A cleaned question without the word that addresses the bot."""
    words = cleaned.split()
    if ADDRESS not in words:
        return cleaned
    greeting = 0
    while greeting < len(words) and words[greeting] in GREETINGS:
        greeting += 1
    if greeting < len(words) and words[greeting] == ADDRESS and (greeting or _addresses(words[greeting + 1 :])):
        del words[greeting]
    elif len(words) > 1 and words[-1] == ADDRESS and _asks(words) and DETERMINERS.isdisjoint(words):
        del words[-1]
    return " ".join(words)


def _addresses(rest: list[str]) -> bool:
    """Whether what follows an opening "bot" is said to it: a question, a request, or nothing at all."""
    if not rest:
        return True
    return rest[0] in QUESTION_WORDS or rest[0] in REQUESTS or rest[1:2] in (["you"], ["u"])


def is_small_talk(cleaned: str, small_talk: frozenset[str] = SMALL_TALK) -> bool:
    """Whether a cleaned message has no content word but small talk's, and asks no question ("what are you good for"
    and "are you a bot" are questions) nor says an answer did not work ("still not working"), or asks the bot how it
    is ("how are you doing")."""
    words = cleaned.split()
    content = [word for word in words if is_content(word)]
    if SMALL_TALK_QUESTION.fullmatch(cleaned):
        return True
    if OUTCOMES.intersection(words) and NEGATIONS.intersection(words):
        return False  # an answer that did not work: the member is still stuck
    return all(word in small_talk for word in content) and bool(words) and not _asks(words)


@WordCache
def char_ngrams(word: str, low: int = 3, high: int = 5) -> tuple[str, ...]:
    """Character n-grams of a word with boundary marks: typos and partial words still share most of them."""
    padded = f" {word} "
    if len(padded) <= low:
        return (padded,)
    return tuple(padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1))
