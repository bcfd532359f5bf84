"""Where the engine spends its time: `python -m bench.profile CARDS` profiles the build and the questions.

Needs pyinstrument (`uv sync --group bench`). Prints both profiles; `--out DIR` also keeps them as text files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.synthetic import workload
from bot.engine import Engine


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("cards", type=int, help="number of synthetic cards")
    parser.add_argument("--queries", type=int, default=300, help="questions and autocomplete prefixes profiled")
    parser.add_argument("--out", type=Path, help="folder for build-CARDS.txt and ask-CARDS.txt")
    args = parser.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: uv sync --group bench", file=sys.stderr)
        return 1

    work = workload(args.cards, args.queries)
    reports = {}
    profiler = Profiler(interval=0.0005)
    with profiler:
        engine = Engine(work.knowledge)
    reports["build"] = profiler.output_text(color=False, show_all=False)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for query in work.queries:
            engine.answer(query)
        for prefix in work.prefixes:
            engine.autocomplete(prefix)
    reports["ask"] = profiler.output_text(color=False, show_all=False)
    for name, text in reports.items():
        print(f"==== {name}, {args.cards:,} cards ====\n{text}")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{name}-{args.cards}.txt").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
