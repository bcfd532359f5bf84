"""`python -m bench`: quality on CLINC150 (all of it, and a few utterances an intent), speed and memory at 100 to
100,000 cards, the event loop's lag while the engine answers and reloads, then memory under 100,000 new questions;
`--smoke` for a quick run, `--quality-only` for CLINC150 alone, `--fewshot` for its few-utterance table alone,
`--loop-lag` for the loop's lag alone, `--soak` for the memory soak alone, `--user-path N` for N card files on disk
started from alone (10,000 in the full run), `--load` for interactions a second through the fake Discord alone,
`--store-writes` for the store's writes a second (SQLite and PostgreSQL) alone."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import clinc, fewshot, load, loop_lag, store_writes, userpath
from bench.coldstart import cold_start
from bench.report import Results, SizeResult, markdown, plot, python_loop_seconds, quality_lines
from bench.soak import QUESTIONS as SOAK_QUESTIONS
from bench.soak import Soak, soak_in_subprocess
from bench.soak import lines as soak_lines
from bench.speed import Speed, measure_in_subprocess
from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLINC = ROOT.parent / "shared" / "data" / "clinc150" / "data_full.json"
SIZES = (100, 1_000, 10_000, 100_000)
CACHED_AT = 10_000  # the size whose cached build has a target (a smoke run measures it at every size)
QUERIES = 1_000
COLD_START_RUNS = 5
SMOKE_SIZES = (100,)
SMOKE_QUERIES = 100
SMOKE_INTENTS, SMOKE_UTTERANCES = 10, 20
SMOKE_SOAK_QUESTIONS = 200
SMOKE_SHOTS = (2,)
LOOP_LAG_SIZES = (10_000, 100_000)
SMOKE_USER_PATH = 100


def _clinc_path(flag: Path | None) -> Path:
    if flag is not None:
        return flag
    try:
        configured = load_settings().bench_clinc150
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        configured = None
    return configured or DEFAULT_CLINC


def _quality(path: Path, smoke: bool) -> clinc.Quality | str:
    if not path.is_file():
        return f"CLINC150 not found at {path} (set BENCH_CLINC150 or pass --clinc): quality skipped."
    print(f"CLINC150 from {path} ...", file=sys.stderr, flush=True)
    data = clinc.load(path, SMOKE_INTENTS, SMOKE_UTTERANCES) if smoke else clinc.load(path)
    return clinc.run(data)


def _fewshot(path: Path, smoke: bool) -> list[str]:
    if not path.is_file():
        return [f"CLINC150 not found at {path} (set BENCH_CLINC150 or pass --clinc): skipped."]
    print("CLINC150, a few utterances an intent ...", file=sys.stderr, flush=True)
    return fewshot.run(path, SMOKE_SHOTS if smoke else fewshot.SHOTS)


def _size(n_cards: int, n_queries: int, again: bool) -> SizeResult:
    print(f"{n_cards:,} cards ...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="faqbot-bench-") as workdir:
        cold = measure_in_subprocess(n_cards, n_queries, Path(workdir))
        cached = None
        if again and isinstance(cold, Speed):
            cached = measure_in_subprocess(n_cards, n_queries, Path(workdir))
    return SizeResult(n_cards, cold, cached)


def _user_path(n_cards: int, smoke: bool) -> userpath.UserPath:
    print(f"user path: {n_cards:,} card files ...", file=sys.stderr, flush=True)
    return userpath.run(n_cards, SMOKE_QUERIES if smoke else userpath.QUERIES)


def _soak(questions: int) -> Soak | str:
    print(f"soak: {questions:,} new questions ...", file=sys.stderr, flush=True)
    return soak_in_subprocess(questions)


def _loop_lag(sizes: Sequence[int]) -> list[tuple[int, loop_lag.LoopLag | str]]:
    results = []
    for n_cards in sizes:
        print(f"loop lag: {n_cards:,} cards ...", file=sys.stderr, flush=True)
        results.append((n_cards, loop_lag.measure_in_subprocess(n_cards)))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a small, fast run (seconds) that checks the harness")
    parser.add_argument("--clinc", type=Path, help=f"CLINC150 data_full.json (default: {DEFAULT_CLINC})")
    parser.add_argument(
        "--out", type=Path, help="folder for results.md and latency.png (default: bench/, none for --smoke)"
    )
    parser.add_argument("--sizes", type=int, nargs="+", help="numbers of synthetic cards")
    parser.add_argument("--skip-quality", action="store_true", help="speed and memory only")
    parser.add_argument(
        "--quality-only", action="store_true", help="CLINC150 quality only, printed (no results.md written)"
    )
    parser.add_argument(
        "--fewshot", action="store_true", help="CLINC150 with 5 and 10 utterances an intent only, printed (no files)"
    )
    parser.add_argument(
        "--soak", action="store_true", help=f"memory under {SOAK_QUESTIONS:,} new questions only, printed (no files)"
    )
    parser.add_argument(
        "--loop-lag",
        action="store_true",
        help="the event loop's lag during a burst of questions and a reload only, printed (no files)",
    )
    parser.add_argument(
        "--user-path",
        type=int,
        metavar="N",
        help="N generated card files started from (empty index cache, then present) only, printed (no files)",
    )
    parser.add_argument(
        "--load",
        action="store_true",
        help="interactions a second through the fake Discord, one process and two shards, only, printed (no files)",
    )
    parser.add_argument(
        "--store-writes",
        action="store_true",
        help="the store's questions and votes a second, SQLite and PostgreSQL, only, printed (no files)",
    )
    args = parser.parse_args(argv)
    interactions = load.SMOKE_INTERACTIONS if args.smoke else load.INTERACTIONS
    writes = (store_writes.SMOKE_QUESTIONS, store_writes.SMOKE_VOTES) if args.smoke else ()
    if args.store_writes:
        print("\n".join(store_writes.lines(store_writes.run(*writes))))
        return 0
    if args.load:
        print("\n".join(load.lines(load.run(interactions))))
        return 0
    if args.user_path:
        print("\n".join(userpath.lines(_user_path(args.user_path, args.smoke))))
        return 0
    if args.quality_only:
        print("\n".join(quality_lines(_quality(_clinc_path(args.clinc), args.smoke))))
        return 0
    if args.fewshot:
        print("\n".join(_fewshot(_clinc_path(args.clinc), args.smoke)))
        return 0
    soak_questions = SMOKE_SOAK_QUESTIONS if args.smoke else SOAK_QUESTIONS
    if args.soak:
        print("\n".join(soak_lines(_soak(soak_questions))))
        return 0
    lag_sizes = args.sizes or (SMOKE_SIZES if args.smoke else LOOP_LAG_SIZES)
    if args.loop_lag:
        print("\n".join(loop_lag.lines(_loop_lag(lag_sizes))))
        return 0

    sizes = args.sizes or (SMOKE_SIZES if args.smoke else SIZES)
    n_queries = SMOKE_QUERIES if args.smoke else QUERIES
    out = args.out if args.out or args.smoke else ROOT / "bench"

    repeats = 1 if args.smoke else 3
    speed_before = python_loop_seconds(repeats)
    quality = "Skipped (--skip-quality)." if args.skip_quality else _quality(_clinc_path(args.clinc), args.smoke)
    few = ["Skipped (--skip-quality)."] if args.skip_quality else _fewshot(_clinc_path(args.clinc), args.smoke)
    results = [_size(n, n_queries, again=args.smoke or n == CACHED_AT) for n in sizes]
    print("cold start ...", file=sys.stderr, flush=True)
    started = cold_start(1 if args.smoke else COLD_START_RUNS)
    lags = _loop_lag(lag_sizes)
    user_path = _user_path(SMOKE_USER_PATH if args.smoke else userpath.SIZE, args.smoke)
    soak = _soak(soak_questions)
    loads = [*load.lines(load.run(interactions)), "", *store_writes.lines(store_writes.run(*writes))]
    speeds = (speed_before, python_loop_seconds(repeats))
    text = markdown(Results(quality, results, started, args.smoke, speeds, soak, few, lags, user_path, loads))
    print(text)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.md").write_text(text + "\n", encoding="utf-8")
        if problem := plot(results, out / "latency.png"):
            print(problem, file=sys.stderr)
        print(f"written to {out / 'results.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
