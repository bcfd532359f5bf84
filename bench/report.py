"""The results as Markdown tables (printed and written to results.md) and the latency plot."""

from __future__ import annotations

import datetime
import platform
import subprocess
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from bench.clinc import ENGINES, PUBLISHED, Quality
from bench.coldstart import ColdStart
from bench.loop_lag import LoopLag
from bench.loop_lag import lines as loop_lag_lines
from bench.rules import NO_THRESHOLD, PAPER_RULE
from bench.soak import Soak
from bench.soak import lines as soak_lines
from bench.speed import Speed
from bench.userpath import UserPath
from bench.userpath import lines as user_path_lines

# The targets: (cards, field) -> the most a figure may be; quality targets are the least.
SPEED_TARGETS = {
    (10_000, "build_seconds"): 1.0,
    (10_000, "cached_build_seconds"): 1.0,
    (10_000, "cached_engine_mb"): 150.0,
    (10_000, "ask_p99_ms"): 10.0,
    (10_000, "autocomplete_p99_ms"): 5.0,
    (10_000, "engine_mb"): 150.0,
    (100_000, "ask_p99_ms"): 50.0,
}
IN_SCOPE_TARGET = 93.5
OOS_RECALL_TARGET = 50.0
CLINC_LATENCY_TARGET_MS = 2.0
COLD_START_TARGET_S = 1.0
CALIBRATION_LOOP = 10_000_000
RULE_NAMES = {
    NO_THRESHOLD: "none (top-1, nothing declined)",
    PAPER_RULE: "paper (max 151-way val acc.)",
    "in-scope-1pt": "in-scope within 1 pt of none",
}


@dataclass(frozen=True)
class SizeResult:
    cards: int
    cold: Speed | str  # a measurement, or why it failed
    cached: Speed | str | None = None  # a second, fresh process sharing the first one's cache folder


@dataclass(frozen=True)
class Results:
    quality: Quality | str  # or why it was skipped
    sizes: list[SizeResult]
    cold_start: ColdStart | str | None
    smoke: bool
    python_speed: tuple[float, float]  # `python_loop_seconds` before the runs and after them
    soak: Soak | str  # memory under new questions, or why it failed
    fewshot: list[str]  # CLINC150 with a few utterances an intent: its section's lines (`bench.fewshot`)
    loop_lag: list[tuple[int, LoopLag | str]]  # by number of cards: the event loop's lag, or why it failed
    user_path: UserPath  # card files on disk to a first answer (`bench.userpath`)
    load: list[str]  # interactions a second through the fake Discord: its section's lines (`bench.load`)


def python_loop_seconds(repeats: int = 3) -> float:
    """The median time of a plain Python loop: a shared host of the same machine type can run slower one day than
    another, so a run records how fast its host was, before and after, beside its figures."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0
        for number in range(CALIBRATION_LOOP):
            total += number
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def _at_most(value: float, target: float | None, unit: str = "", digits: int = 2) -> str:
    text = f"{value:.{digits}f}{unit}"
    if target is None:
        return text
    return f"{text} {'✓' if value <= target else '✗'} (≤ {target:g}{unit})"


def _at_least(value: float, target: float) -> str:
    return f"{value:.1f} {'✓' if value >= target else '✗'} (≥ {target:g})"


def _versions() -> str:
    names = ("numpy", "rapidfuzz", "snowballstemmer", "matplotlib")
    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            continue
    return ", ".join(found)


def _machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        models = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line]
        if models:
            cpu = f"{models[0]} x {len(models)}"
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        total_kib = int(meminfo.read_text().split()[1])
        memory = f", {total_kib / 1024**2:.0f} GiB RAM"
    return f"{platform.system()} {platform.machine()}, {cpu}{memory}"


def _commit() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


def quality_lines(quality: Quality | str) -> list[str]:
    lines = ["## Quality on CLINC150", ""]
    if isinstance(quality, str):
        return [*lines, quality, ""]
    lines += [
        f"{quality.n_intents} intents as cards (their training utterances as questions); thresholds chosen on the "
        f"validation split ({quality.n_val} queries), figures on the test split ({quality.n_test} queries, "
        "out-of-scope included). Percentages.",
        "",
        "| method | threshold rule | threshold / margin | in-scope acc. | OOS recall | OOS precision | 151-way acc. |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in quality.rows:
        figures = row.test
        if row.method in ENGINES and row.rule == PAPER_RULE:
            in_scope = _at_least(100 * figures.in_scope_accuracy, IN_SCOPE_TARGET)
            recall = _at_least(100 * figures.oos_recall, OOS_RECALL_TARGET)
        else:
            in_scope, recall = f"{100 * figures.in_scope_accuracy:.1f}", f"{100 * figures.oos_recall:.1f}"
        setting = "—" if row.rule == NO_THRESHOLD else f"{row.threshold:.1f} / {row.margin:.1f}"
        lines.append(
            f"| {row.method} | {RULE_NAMES[row.rule]} | {setting} | {in_scope} | {recall} | "
            f"{100 * figures.oos_precision:.1f} | {100 * figures.accuracy:.1f} |"
        )
    for name, (in_scope_published, recall_published) in PUBLISHED.items():
        lines.append(f"| {name} (published) | paper | — | {in_scope_published} | {recall_published} | — | — |")
    lines.append("")
    for name, latency in quality.latency_ms.items():
        lines.append(
            f"{name} on CLINC150: build {quality.engine_build_seconds[name]:.2f} s; `answer` per test query "
            f"mean {_at_most(float(latency.mean()), CLINC_LATENCY_TARGET_MS, ' ms')}, "
            f"p50 {np.percentile(latency, 50):.2f} ms, p99 {np.percentile(latency, 99):.2f} ms."
        )
    if quality.disagreements:
        lines.append(
            f"Warning: on {quality.disagreements} test queries `answer` decided otherwise than the threshold and "
            "margin replayed on `rank`'s top two scores: the validation sweep relies on them agreeing (`answer` "
            "takes a question identical to one of a card's own at 100, and tries a long message not answered whole "
            "clause by clause, whatever `rank` says)."
        )
    return [*lines, ""]


def _speed_lines(sizes: list[SizeResult], cold_start: ColdStart | str | None) -> list[str]:
    lines = [
        "## Speed and memory",
        "",
        "Synthetic cards (5 questions each), 1,000 queries (typos, partial, reordered, out-of-scope) and 1,000 "
        "autocomplete prefixes of 3–10 characters, single process; each size in a fresh interpreter. Memory: "
        "resident set after the build minus before it (MB = 10^6 bytes); peak: the process's high-water mark. "
        "Cold: the first process, with an empty cache folder; cached: a second fresh process sharing that folder, "
        "which reads the engine's build back from its index cache (`INDEX_CACHE_DIR`). Latencies are the cold "
        "process's.",
        "",
        "| cards | build (cold) s | build (cached) s | engine MB (cold) | engine MB (cached) | peak MB | ask p50 ms "
        "| ask p99 ms | ask q/s | autocomplete p50 ms | autocomplete p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size in sizes:
        if isinstance(size.cold, str):
            lines.append(f"| {size.cards:,} | failed: {size.cold} |  |  |  |  |  |  |  |  |  |")
            continue
        speed = size.cold

        def cell(field: str, value: float, digits: int = 2, cards: int = size.cards) -> str:
            return _at_most(value, SPEED_TARGETS.get((cards, field)), digits=digits)

        if size.cached is None:
            cached_build = cached_mb = "—"
        elif isinstance(size.cached, str):
            cached_build, cached_mb = f"failed: {size.cached}", ""
        else:
            cached_build = cell("cached_build_seconds", size.cached.build_seconds)
            cached_mb = cell("cached_engine_mb", size.cached.engine_mb, 0)
        lines.append(
            f"| {size.cards:,} | {cell('build_seconds', speed.build_seconds)} | {cached_build} | "
            f"{cell('engine_mb', speed.engine_mb, 0)} | {cached_mb} | {speed.peak_mb:.0f} | {speed.ask_p50_ms:.2f} | "
            f"{cell('ask_p99_ms', speed.ask_p99_ms)} | {speed.ask_qps:.0f} | {speed.autocomplete_p50_ms:.2f} | "
            f"{cell('autocomplete_p99_ms', speed.autocomplete_p99_ms)} |"
        )
    lines.append("")
    if isinstance(cold_start, ColdStart):
        lines.append(
            f"Cold start of `python -m bot ask` on the shipped knowledge (median wall time): "
            f"{_at_most(cold_start.empty_cache, COLD_START_TARGET_S, ' s')} with an empty index cache, "
            f"{_at_most(cold_start.cached, COLD_START_TARGET_S, ' s')} with the cache a first run filled"
        )
    elif isinstance(cold_start, str):
        lines.append(f"Cold start of `python -m bot ask`: failed: {cold_start}")
    return [*lines, ""]


def markdown(results: Results) -> str:
    title = "# faqbot benchmarks (smoke run: small sizes, not comparable)" if results.smoke else "# faqbot benchmarks"
    header = [
        title,
        "",
        f"- date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}, commit {_commit()}",
        f"- machine: {_machine()}",
        f"- machine speed: a Python loop of {CALIBRATION_LOOP:,} additions took {results.python_speed[0]:.2f} s before"
        f" the runs and {results.python_speed[1]:.2f} s after (a gauge of the shared host on the day, which varies)",
        f"- Python {platform.python_version()}; {_versions()}",
        "- rerun: `make bench` (or `python -m bench`; `python -m bench --smoke` for a quick check)",
        "",
    ]
    speed = _speed_lines(results.sizes, results.cold_start)
    fewshot = ["## Quality with a few phrasings a card", "", *results.fewshot, ""]
    lag = loop_lag_lines(results.loop_lag)
    user_path = user_path_lines(results.user_path)
    sections = quality_lines(results.quality) + fewshot + speed + user_path + lag + soak_lines(results.soak)
    sections += results.load
    return "\n".join(header + sections)


def plot(sizes: list[SizeResult], path: Path) -> str | None:
    """Latency against the number of cards, log scale; None when drawn, else why not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (uv sync --group bench): no plot"
    measured = [size.cold for size in sizes if isinstance(size.cold, Speed)]
    if not measured:
        return "no size was measured: no plot"
    cards = [speed.cards for speed in measured]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for field, label, style in (
        ("ask_p50_ms", "ask p50", "o-"),
        ("ask_p99_ms", "ask p99", "o--"),
        ("autocomplete_p50_ms", "autocomplete p50", "s-"),
        ("autocomplete_p99_ms", "autocomplete p99", "s--"),
    ):
        axes.plot(cards, [getattr(speed, field) for speed in measured], style, label=label)
    for (n_cards, field), target in SPEED_TARGETS.items():
        if field.endswith("_ms"):
            axes.plot([n_cards], [target], "k_", markersize=18)
            axes.annotate(
                f"target {field.split('_')[0]} p99",
                (n_cards, target),
                fontsize=7,
                xytext=(6, 3),
                textcoords="offset points",
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("cards (5 questions each)")
    axes.set_ylabel("latency per query (ms)")
    axes.set_title("faqbot engine latency, single process")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return None
