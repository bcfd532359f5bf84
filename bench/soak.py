"""Soak: memory of an engine on the shipped cards while it is asked many questions it has never seen.

Every question has new made-up words (some hundreds of letters long) among the cards' own words, as a chat flood or
a fuzzer would send: the engine's caches of what it works out a word must stay bounded, so the resident memory after
the questions stays near the memory before them. `python -m bench --soak` (or `python -m bench.soak [QUESTIONS]`)
runs it alone, in a fresh process; `make bench` runs it with the rest.
"""

from __future__ import annotations

import gc
import json
import random
import string
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.child import ChildError, run_module
from bench.speed import status_kib

QUESTIONS = 100_000
SEED = 20
TIMEOUT = 3600.0
RSS_TARGET_MB = 250.0


@dataclass(frozen=True)
class Soak:
    questions: int
    cards: int
    before_mb: float  # resident memory with the engine built, before the questions (MB = 10^6 bytes)
    halfway_mb: float  # after half of them: as much as after them all when what the engine keeps is bounded
    after_mb: float  # resident memory after them
    peak_mb: float  # the process's high-water mark, the build included
    seconds: float


def _mb(field: str) -> float:
    return status_kib(field) * 1024 / 1e6


def _base26(number: int) -> str:
    letters = []
    while True:
        number, digit = divmod(number, 26)
        letters.append(string.ascii_lowercase[digit])
        if not number:
            return "".join(letters)


def questions(card_words: list[str], count: int, seed: int = SEED) -> Iterator[str]:
    """`count` distinct questions: a few of the cards' words and one to three made-up words, of 6 to 40 letters or,
    one word in ten, of 100 to 400; the first carries the question's number, so no question repeats."""
    rng = random.Random(seed)
    for number in range(count):
        made_up = []
        for _ in range(rng.randint(1, 3)):
            length = rng.randint(100, 400) if rng.random() < 0.1 else rng.randint(6, 40)
            made_up.append("".join(rng.choices(string.ascii_lowercase, k=length)))
        made_up[0] = f"{made_up[0]}{_base26(number)}"
        words = rng.sample(card_words, rng.randint(1, 5)) + made_up
        rng.shuffle(words)
        yield " ".join(words)


def measure(count: int) -> Soak:
    """The shipped cards read from disk, the engine built (no index cache), then `count` new questions asked."""
    from bot.cards import load_knowledge_strict
    from bot.engine import Engine
    from bot.settings import load_settings

    settings = load_settings()
    knowledge = load_knowledge_strict(Path(__file__).resolve().parent.parent / "knowledge")
    engine = Engine(knowledge, settings.match_threshold, settings.match_margin)
    card_words = sorted({word for card in knowledge.cards.values() for q in card.questions for word in q.split()})
    gc.collect()
    before = _mb("VmRSS")
    start = time.perf_counter()
    halfway = before
    for number, question in enumerate(questions(card_words, count), 1):
        engine.answer(question)
        if number == count // 2:
            halfway = _mb("VmRSS")
    seconds = time.perf_counter() - start
    gc.collect()
    return Soak(count, len(knowledge.cards), before, halfway, _mb("VmRSS"), _mb("VmHWM"), seconds)


def soak_in_subprocess(count: int = QUESTIONS) -> Soak | str:
    """The soak in a new interpreter, so that nothing loaded before it counts; or why it failed."""
    try:
        return Soak(**run_module("bench.soak", [str(count)], timeout=TIMEOUT))
    except ChildError as exc:
        return str(exc)


def lines(soak: Soak | str) -> list[str]:
    """The soak as a Markdown section."""
    head = ["## Memory under new questions", ""]
    if isinstance(soak, str):
        return [*head, f"Soak failed: {soak}", ""]
    target = f"{'✓' if soak.peak_mb < RSS_TARGET_MB else '✗'} (< {RSS_TARGET_MB:g} MB)"
    return [
        *head,
        f"An engine on the {soak.cards} shipped cards (read from disk, in a fresh process) asked {soak.questions:,} "
        "distinct questions, each with new made-up words (one word in ten of 100–400 letters) among the cards' words "
        f"(seed {SEED}; `python -m bench --soak`), in {soak.seconds:.0f} s.",
        "",
        "| resident before | halfway | after | peak |",
        "|---|---|---|---|",
        f"| {soak.before_mb:.0f} MB | {soak.halfway_mb:.0f} MB | {soak.after_mb:.0f} MB "
        f"| {soak.peak_mb:.0f} MB {target} |",
        "",
    ]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else QUESTIONS
    print(json.dumps(asdict(measure(count))))


if __name__ == "__main__":
    main()
