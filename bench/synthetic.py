"""Deterministic synthetic knowledge bases and queries for the speed benchmark.

Cards are FAQ-style questions recombined from a built-in English list and made-up product names, drawn with a
Zipf-like skew so that, as in real knowledge bases, a few words are everywhere and most are rare.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from bot.cards.model import Card, CardSource, KnowledgeBase, Source

ALTERNATES = 5
SOURCE_ID = "synthetic"
CARDS_A_FOLDER = 1_000  # as a large knowledge base would be split up, and no folder of 100,000 files

VERBS = """
install update upgrade remove delete reset change configure enable disable connect link unlink export import
download upload share invite join leave ban unban mute unmute report restore backup sync merge rename move copy
archive pin unpin schedule cancel renew refund pay subscribe unsubscribe verify register login logout recover
transfer migrate deploy build run start stop restart debug test monitor track edit create open close lock unlock
""".split()

NOUNS = """
account password email username profile avatar server channel role permission bot token key webhook message
thread reply reaction emoji sticker voice video stream screen notification setting language theme timezone
calendar event reminder poll survey ticket invoice payment subscription plan license trial refund order cart
device phone tablet laptop browser app extension plugin integration api database backup file folder document
image photo attachment link invite member moderator admin owner guest team group project workspace repository
branch commit release version update install log error crash bug report feature request roadmap wiki guide
tutorial docs forum post comment tag category label filter search result export import dashboard analytics
metric chart alert status uptime outage maintenance region network proxy firewall certificate domain dns cache
cookie session storage quota limit rate queue job worker cluster node container image volume secret variable
""".split()

MODIFIERS = """
new old default custom private public shared external internal mobile desktop offline online free paid annual
monthly expired locked broken missing duplicate large small slow fast automatic manual temporary permanent
""".split()

TEMPLATES = (
    "how do i {verb} my {obj}",
    "how can i {verb} the {obj}",
    "is it possible to {verb} a {mod} {obj}",
    "what is the best way to {verb} {obj}",
    "{obj} {verb} not working",
    "where do i {verb} my {mod} {obj}",
    "can i {verb} {obj} from the {mod} app",
    "why can't i {verb} the {obj}",
    "steps to {verb} {obj}",
    "help with {verb} {obj} please",
)

OFF_TOPIC = (
    "what is the weather like in paris tomorrow",
    "tell me a joke about penguins",
    "who won the football game last night",
    "recommend a good pizza recipe",
    "how tall is mount everest",
    "what time does the pharmacy close",
    "play some relaxing jazz music",
    "translate good morning into japanese",
    "how many calories are in a banana",
    "book a table for two at eight",
)

SYLLABLES = "ka lo mi ra ven tor dex zu pli gar nox bel sir qua fen rol tia mor jun vex".split()


def _skewed(rng: random.Random, items: list[str]) -> str:
    """A Zipf-like draw: item k is picked with weight about 1 / (k + 1)."""
    index = int(len(items) ** rng.random()) - 1
    return items[min(index, len(items) - 1)]


def _product_names(rng: random.Random, count: int) -> list[str]:
    """Distinct made-up names of 2 to 4 syllables (there are about 168,000 such names)."""
    names: set[str] = set()
    while len(names) < count:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(names)


@dataclass(frozen=True)
class Workload:
    knowledge: KnowledgeBase
    queries: list[str]  # typos, partial questions, paraphrases and out-of-scope questions
    prefixes: list[str]  # 3 to 10 characters of a question, as typed into autocomplete


def _card_questions(rng: random.Random, names: list[str]) -> tuple[list[str], str]:
    verb = _skewed(rng, VERBS)
    obj = _skewed(rng, NOUNS)
    if rng.random() < 0.6:
        obj = f"{_skewed(rng, names)} {obj}"
    if rng.random() < 0.4:
        obj = f"{obj} {_skewed(rng, NOUNS)}"
    templates = rng.sample(TEMPLATES, ALTERNATES)
    questions = [t.format(verb=verb, obj=obj, mod=_skewed(rng, MODIFIERS)) for t in templates]
    answer = f"To {verb} the {obj}, open {_skewed(rng, NOUNS)} settings and choose {verb}. " + " ".join(
        _skewed(rng, NOUNS) for _ in range(12)
    )
    return questions, answer


def _typo(rng: random.Random, text: str) -> str:
    """One or two slips (drop, swap, double or replace a letter) in words of four letters or more."""
    words = text.split()
    long_words = [i for i, word in enumerate(words) if len(word) >= 4]
    for i in rng.sample(long_words, min(len(long_words), rng.randint(1, 2))):
        word = words[i]
        at = rng.randrange(1, len(word) - 1)
        kind = rng.randrange(4)
        if kind == 0:
            word = word[:at] + word[at + 1 :]
        elif kind == 1:
            word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        elif kind == 2:
            word = word[:at] + word[at] + word[at:]
        else:
            word = word[:at] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[at + 1 :]
        words[i] = word
    return " ".join(words)


def _query(rng: random.Random, cards: list[Card], names: list[str]) -> str:
    roll = rng.random()
    if roll < 0.2:  # out of scope: off-topic chat, or known words that make no card
        if rng.random() < 0.5:
            return rng.choice(OFF_TOPIC)
        return f"how do i {rng.choice(VERBS)} a {rng.choice(MODIFIERS)} {rng.choice(names)} {rng.choice(VERBS)}"
    question = rng.choice(rng.choice(cards).questions)
    if roll < 0.55:
        return _typo(rng, question)
    if roll < 0.8:
        words = question.split()
        return " ".join(words[: max(2, len(words) // 2 + 1)])
    words = question.split()
    rng.shuffle(words)
    return " ".join(words)


def workload(n_cards: int, n_queries: int = 1000, seed: int = 6) -> Workload:
    """The same cards and queries for the same arguments, on every machine."""
    rng = random.Random(seed)
    names = _product_names(rng, max(50, n_cards // 4))
    cards: dict[str, Card] = {}
    for index in range(n_cards):
        questions, answer = _card_questions(rng, names)
        card_id = f"card-{index}"
        cards[card_id] = Card(card_id, tuple(questions), answer, CardSource(document=SOURCE_ID))
    knowledge = KnowledgeBase({SOURCE_ID: Source(id=SOURCE_ID, title="Synthetic cards")}, cards)
    card_list = list(cards.values())
    queries = [_query(rng, card_list, names) for _ in range(n_queries)]
    prefixes = [rng.choice(rng.choice(card_list).questions)[: rng.randint(3, 10)] for _ in range(n_queries)]
    return Workload(knowledge, queries, prefixes)


def write_knowledge(knowledge: KnowledgeBase, root: Path) -> None:
    """The cards as Markdown files under `root/cards` and their source in `root/sources.yaml`, as `KNOWLEDGE_DIR`
    holds them, so a benchmark can measure the loader too. Questions are written as JSON strings, which YAML reads
    as they are."""
    lines = [f"- id: {source.id}\n  title: {source.title}\n" for source in knowledge.sources.values()]
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources.yaml").write_text("".join(lines), encoding="utf-8")
    for index, card in enumerate(knowledge.cards.values()):
        folder = root / "cards" / f"part-{index // CARDS_A_FOLDER:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        questions = "".join(f"  - {json.dumps(question)}\n" for question in card.questions)
        front = f"questions:\n{questions}source:\n  document: {card.source.document}\n"
        (folder / f"{card.id}.md").write_text(f"---\n{front}---\n{card.answer}\n", encoding="utf-8")
