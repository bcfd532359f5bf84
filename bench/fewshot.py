"""CLINC150 with a few utterances an intent, as a community writes cards: the engine's own decisions at its default
settings (threshold and margin chosen from the cards), beside a TF-IDF + logistic regression classifier trained on
the same sample with its threshold chosen on validation by the paper's rule.

Path measured: cards built in memory from the sample, one process; `Engine.answer` as users get it.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.rules import OOS, Figures, figures
from bot.cards.model import Card, CardSource, KnowledgeBase, Source
from bot.engine import Engine

SHOTS = (5, 10)
SEED = 150
SOURCE_ID = "clinc150"
KEYWORD_WORDS = 2  # an utterance this short is a card's keyword rather than one of its questions
TARGET_OOS_RECALL = 0.70


@dataclass(frozen=True)
class Split:
    texts: list[str]
    gold: np.ndarray  # intent index, or OOS


@dataclass(frozen=True)
class Row:
    shots: int
    method: str
    setting: str
    test: Figures


def _split(data: dict[str, list[list[str]]], in_scope: str, out_of_scope: str, index: dict[str, int]) -> Split:
    pairs = [(text, index[intent]) for text, intent in data[in_scope]] + [(t, OOS) for t, _ in data[out_of_scope]]
    return Split([text for text, _ in pairs], np.array([gold for _, gold in pairs]))


def sample(data: dict[str, list[list[str]]], shots: int, seed: int = SEED) -> dict[str, list[str]]:
    """`shots` training utterances of each intent, drawn with a fixed seed."""
    by_intent: dict[str, list[str]] = {}
    for text, intent in data["train"]:
        by_intent.setdefault(intent, []).append(text)
    rng = random.Random(seed)
    return {intent: rng.sample(texts, min(shots, len(texts))) for intent, texts in sorted(by_intent.items())}


def knowledge(train: dict[str, list[str]]) -> KnowledgeBase:
    """Each intent a card: its utterances its questions, the shortest ones its keywords (a card keeps one question)."""
    cards = {}
    for intent, texts in train.items():
        ordered = sorted(texts, key=lambda text: -len(text.split()))
        questions = [text for text in ordered if len(text.split()) > KEYWORD_WORDS] or ordered[:1]
        keywords = [text for text in ordered if text not in questions]
        cards[intent] = Card(
            intent, tuple(questions), f"The {intent} intent.", CardSource(document=SOURCE_ID), keywords=tuple(keywords)
        )
    return KnowledgeBase({SOURCE_ID: Source(id=SOURCE_ID, title="CLINC150 training utterances")}, cards)


def _engine_row(train: dict[str, list[str]], test: Split, intents: list[str], shots: int) -> tuple[Row, str]:
    started = time.perf_counter()
    engine = Engine(knowledge(train))
    built = time.perf_counter() - started
    index = {intent: i for i, intent in enumerate(intents)}
    predicted = np.array(
        [index[match.card.id] if match.answered and match.card else OOS for match in map(engine.answer, test.texts)]
    )
    setting = f"default: {engine.threshold:g} / {engine.margin:g}"
    return Row(shots, "faqbot engine", setting, figures(test.gold, predicted)), f"build {built:.1f} s"


def _baseline_row(train: dict[str, list[str]], val: Split, test: Split, intents: list[str], shots: int) -> Row | str:
    try:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        return "TF-IDF + logistic regression skipped: scikit-learn is not installed (`make bench` installs it)."
    texts = [text for intent in intents for text in train[intent]]
    labels = [i for i, intent in enumerate(intents) for _ in train[intent]]
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(texts)

    def vectors(batch: list[str]) -> object:
        return hstack([words.transform(batch), chars.transform(batch)]).tocsr()

    model = LogisticRegression(C=10.0, max_iter=2000).fit(vectors(texts), labels)

    def decide(split: Split, threshold: float) -> np.ndarray:
        probabilities = model.predict_proba(vectors(split.texts))
        return np.where(probabilities.max(axis=1) >= threshold, probabilities.argmax(axis=1), OOS)

    # The paper's rule: the threshold with the best 151-way accuracy on validation.
    candidates = np.linspace(0.0, 1.0, 201)
    best = max(candidates, key=lambda t: (figures(val.gold, decide(val, t)).accuracy, -t))
    return Row(shots, "TF-IDF + logistic regression", f"paper: {best:.3f}", figures(test.gold, decide(test, best)))


def run(path: Path, shot_counts: tuple[int, ...] = SHOTS) -> list[str]:
    """The table, in Markdown lines."""
    data = json.loads(path.read_text(encoding="utf-8"))
    intents = sorted({intent for _, intent in data["train"]})
    index = {intent: i for i, intent in enumerate(intents)}
    val, test = _split(data, "val", "oos_val", index), _split(data, "test", "oos_test", index)
    lines = [
        f"CLINC150 with {' and '.join(map(str, shot_counts))} training utterances an intent (seed {SEED}; "
        f"utterances of {KEYWORD_WORDS} words or fewer as keywords), {len(intents)} intents as cards built in memory; "
        f"test split ({len(test.texts)} queries, out-of-scope included). The engine at its default settings; the "
        "baseline's threshold chosen on validation. Percentages.",
        "",
        "| shots | method | threshold / margin | in-scope acc. | OOS recall | 151-way acc. |",
        "|---|---|---|---|---|---|",
    ]
    notes = []
    for shots in shot_counts:
        train = sample(data, shots)
        engine_row, built = _engine_row(train, test, intents, shots)
        baseline = _baseline_row(train, val, test, intents, shots)
        rows = [engine_row] + ([baseline] if isinstance(baseline, Row) else [])
        for row in rows:
            f = row.test
            lines.append(
                f"| {row.shots} | {row.method} | {row.setting} | {100 * f.in_scope_accuracy:.1f} | "
                f"{100 * f.oos_recall:.1f} | {100 * f.accuracy:.1f} |"
            )
        notes.append(f"{shots} shots: engine {built}.")
        if isinstance(baseline, Row):
            beaten = engine_row.test.accuracy >= baseline.test.accuracy
            recall = engine_row.test.oos_recall >= TARGET_OOS_RECALL
            notes.append(
                f"{shots} shots: engine 151-way accuracy {'✓' if beaten else '✗'} (≥ the baseline's), OOS recall "
                f"{'✓' if recall else '✗'} (≥ {TARGET_OOS_RECALL:.0%})."
            )
        else:
            notes.append(baseline)
    return [*lines, "", *notes]
