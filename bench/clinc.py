"""Matching quality on CLINC150 (Larson et al., 2019): each intent is a card whose questions are its utterances."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process, utils

from bench.rules import NO_THRESHOLD, OOS, OPERATING_RULE, PAPER_RULE, Choice, Figures, Scored, choose, figures
from bot.cards.model import Card, CardSource, KnowledgeBase, Source
from bot.engine import Engine

SOURCE_ID = "clinc150"
# The engine as shipped, and with its trained part blended in (MATCH_TRAINED_WEIGHT), which suits cards with as
# many alternates as CLINC150's intents have.
ENGINES = {"faqbot engine": 0.0, "faqbot engine, trained part 0.85": 0.85}
RULES = (NO_THRESHOLD, PAPER_RULE, OPERATING_RULE)
# In-scope accuracy / out-of-scope recall with a threshold, from the paper's "full" data set results.
PUBLISHED = {
    "DialogFlow": (90.8, 26.7),
    "Rasa": (90.9, 31.2),
    "FastText": (88.6, 28.3),
    "MLP": (93.4, 49.1),
    "BERT": (96.2, 52.3),
}
BASELINE_CHUNK = 500  # queries scored against every utterance at once by the rapidfuzz baselines


@dataclass(frozen=True)
class Split:
    texts: list[str]
    gold: np.ndarray  # intent index, or OOS


@dataclass(frozen=True)
class Clinc:
    intents: list[str]
    train: dict[str, list[str]]  # intent -> its training utterances
    val: Split
    test: Split


def load(path: Path, intents_limit: int | None = None, per_intent: int | None = None) -> Clinc:
    """The data set, optionally cut down (first intents, first utterances of each) for a quick run."""
    data = json.loads(path.read_text(encoding="utf-8"))
    train: dict[str, list[str]] = {}
    for text, intent in data["train"]:
        train.setdefault(intent, []).append(text)
    intents = sorted(train)[:intents_limit]
    train = {intent: train[intent][:per_intent] for intent in intents}
    index = {intent: i for i, intent in enumerate(intents)}

    def split(in_scope: str, out_of_scope: str) -> Split:
        counts: dict[str, int] = {}
        texts, gold = [], []
        for text, intent in data[in_scope]:
            if intent in index and (per_intent is None or counts.get(intent, 0) < max(1, per_intent // 4)):
                counts[intent] = counts.get(intent, 0) + 1
                texts.append(text)
                gold.append(index[intent])
        oos = [text for text, _ in data[out_of_scope]]
        if per_intent is not None:
            oos = oos[: max(10, len(texts) // 5)]
        return Split(texts + oos, np.array(gold + [OOS] * len(oos)))

    return Clinc(intents, train, split("val", "oos_val"), split("test", "oos_test"))


def knowledge(clinc: Clinc) -> KnowledgeBase:
    cards = {
        intent: Card(intent, tuple(utterances), f"The {intent} intent.", CardSource(document=SOURCE_ID))
        for intent, utterances in clinc.train.items()
    }
    return KnowledgeBase({SOURCE_ID: Source(id=SOURCE_ID, title="CLINC150 training utterances")}, cards)


def score_engine(engine: Engine, split: Split, intents: Sequence[str]) -> tuple[Scored, np.ndarray]:
    """The engine's best two cards for each query through `rank`, and the time each query took (seconds)."""
    index = {intent: i for i, intent in enumerate(intents)}
    best, first, second, seconds = [], [], [], []
    for text in split.texts:
        start = time.perf_counter()
        ranked = engine.rank(text, limit=2)
        seconds.append(time.perf_counter() - start)
        best.append(index[ranked[0].card.id] if ranked else OOS)
        first.append(ranked[0].score if ranked else 0.0)
        second.append(ranked[1].score if len(ranked) > 1 else 0.0)
    return Scored(split.gold, np.array(best), np.array(first), np.array(second)), np.array(seconds)


def answer_engine(
    engine: Engine, split: Split, intents: Sequence[str], choice: Choice
) -> tuple[np.ndarray, np.ndarray]:
    """What `answer` decides at the chosen threshold and margin: an intent index or OOS, and seconds a query."""
    engine.threshold, engine.margin = choice.threshold, choice.margin
    index = {intent: i for i, intent in enumerate(intents)}
    predicted, seconds = [], []
    for text in split.texts:
        start = time.perf_counter()
        match = engine.answer(text)
        seconds.append(time.perf_counter() - start)
        predicted.append(index[match.card.id] if match.answered and match.card else OOS)
    return np.array(predicted), np.array(seconds)


def score_rapidfuzz(clinc: Clinc, split: Split, scorer: Callable[..., float]) -> Scored:
    """Nearest neighbour over the training utterances; an intent's score is that of its closest utterance."""
    choices = [text for intent in clinc.intents for text in clinc.train[intent]]
    starts = np.cumsum([0] + [len(clinc.train[intent]) for intent in clinc.intents])[:-1]
    best, first, second = [], [], []
    for start in range(0, len(split.texts), BASELINE_CHUNK):
        chunk = split.texts[start : start + BASELINE_CHUNK]
        matrix = process.cdist(
            chunk, choices, scorer=scorer, processor=utils.default_process, dtype=np.float32, workers=-1
        )
        per_intent = np.maximum.reduceat(matrix, starts, axis=1)
        order = np.argsort(-per_intent, axis=1, kind="stable")[:, :2]
        rows = np.arange(len(chunk))
        best.extend(order[:, 0])
        first.extend(per_intent[rows, order[:, 0]])
        second.extend(per_intent[rows, order[:, 1]] if len(clinc.intents) > 1 else np.zeros(len(chunk)))
    return Scored(split.gold, np.array(best), np.array(first, dtype=float), np.array(second, dtype=float))


@dataclass(frozen=True)
class Row:
    method: str
    rule: str
    threshold: float
    margin: float
    test: Figures


@dataclass(frozen=True)
class Quality:
    rows: list[Row]
    n_intents: int
    n_val: int
    n_test: int
    engine_build_seconds: dict[str, float]  # by engine name
    latency_ms: dict[str, np.ndarray]  # `answer` on each test query under the paper's rule, by engine name
    disagreements: int  # test queries where `answer` and the decision replayed from `rank` differ


def _baseline_rows(name: str, clinc: Clinc, scorer: Callable[..., float]) -> list[Row]:
    val = score_rapidfuzz(clinc, clinc.val, scorer)
    test = score_rapidfuzz(clinc, clinc.test, scorer)
    rows = []
    for rule in RULES:
        choice = choose(val, rule)
        rows.append(
            Row(
                name,
                rule,
                choice.threshold,
                choice.margin,
                figures(test.gold, test.predict(choice.threshold, choice.margin)),
            )
        )
    return rows


def run(clinc: Clinc) -> Quality:
    rows = []
    build: dict[str, float] = {}
    latency: dict[str, np.ndarray] = {}
    disagreements = 0
    for name, trained_weight in ENGINES.items():
        start = time.perf_counter()
        engine = Engine(knowledge(clinc), trained_weight=trained_weight)
        build[name] = time.perf_counter() - start
        val, _ = score_engine(engine, clinc.val, clinc.intents)
        test, _ = score_engine(engine, clinc.test, clinc.intents)
        for rule in RULES:
            choice = choose(val, rule)
            predicted, seconds = answer_engine(engine, clinc.test, clinc.intents, choice)
            replayed = test.predict(choice.threshold, choice.margin)
            disagreements = max(disagreements, int(np.sum(predicted != replayed)))
            if rule == PAPER_RULE:
                latency[name] = seconds * 1000
            rows.append(Row(name, rule, choice.threshold, choice.margin, figures(clinc.test.gold, predicted)))
    rows += _baseline_rows("rapidfuzz WRatio NN", clinc, fuzz.WRatio)
    rows += _baseline_rows("rapidfuzz token_sort_ratio NN", clinc, fuzz.token_sort_ratio)
    return Quality(rows, len(clinc.intents), len(clinc.val.texts), len(clinc.test.texts), build, latency, disagreements)
