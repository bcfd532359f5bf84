"""One card file changed, added or removed while the bot serves: from the file's write to the new card answering.

Part of `python -m bench --user-path N`: after the two starts, a third fresh process serves the same card files as
the bot does (`EngineHolder.for_settings`, the index cache present, a running asyncio loop with the ticker of
`loop_lag.py`), then writes a card file, reloads as `/faq reload` does and asks the new question until the new card
answers it; the seconds from the write to that answer, the process's peak memory over it (its high-water mark reset
before) and the loop's lag meanwhile. A first reload after a start from the caches parses every card file once (the
start read the loaded cards back and parsed none); the reloads measured come after it.
`python -m bench.reload KNOWLEDGE CACHE` is one such process.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench.child import ChildError, run_module
from bench.loop_lag import Lag, Ticker

TIMEOUT = 3600.0
POLL = 0.005  # seconds between asks while the new card is not answering yet
CHANGED_QUESTION = "how do i renew the bench reload marker"
ADDED_QUESTION = "where is the bench reload lighthouse"
LIVE_TARGET = 0.5  # seconds, the issue's: one card at 10,000 live within this


@dataclass(frozen=True)
class Change:
    """One reload: seconds from the write to the answer, memory, the loop's lag, and whether it was laid over the
    serving build (else a full build)."""

    seconds: float
    updated: bool
    rss_before_mb: float
    peak_mb: float  # the process's high-water mark over the change (reset before it)
    lag: Lag


@dataclass(frozen=True)
class OneCard:
    cards: int
    start_mb: float  # resident after the start, before any reload
    first: Change  # the first reload after the start: every file parsed once
    changed: Change
    added: Change
    removed: Change


def _status_mb(field: str) -> float:
    from bench.speed import status_kib

    return status_kib(field) * 1024 / 1e6


def _reset_peak() -> None:
    """The high-water mark set back to what is resident now (Linux: `5` into clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5", encoding="utf-8")


def _card(question: str, answer: str) -> str:
    return f'---\nquestions:\n  - "{question}"\nsource:\n  document: synthetic\n---\n{answer}\n'


async def _serve(knowledge: Path, cache: Path) -> OneCard:
    from bot.engine.layered import LayeredIndex
    from bot.holder import EngineHolder
    from bot.settings import load_settings

    settings = load_settings(_env_file=None, knowledge_dir=knowledge, index_cache_dir=cache)
    holder = EngineHolder.for_settings(settings)
    start_mb = _status_mb("VmRSS")
    ticker = Ticker()
    ticker.start()
    files = sorted((knowledge / "cards").rglob("*.md"))

    async def change(path: Path, text: str | None, question: str, card_id: str | None) -> Change:
        """Write (or delete) the file, reload, and ask `question` until `card_id` answers it (or, None, until the
        deleted card no longer does)."""
        await asyncio.sleep(0.2)  # the loop idle again after the last change
        _reset_peak()
        rss = _status_mb("VmRSS")
        began = time.perf_counter()
        gone = path.stem
        await asyncio.to_thread(path.unlink if text is None else partial(path.write_text, text, encoding="utf-8"))

        async def live() -> None:
            await holder.reload_off_loop()
            while True:
                engine = holder.engine
                match = await holder.run(engine.answer, question)
                card = match.card.id if match.card else None
                if (card == card_id) if card_id is not None else (card != gone and gone not in engine.knowledge.cards):
                    return
                await asyncio.sleep(POLL)

        lag = await ticker.over(live())
        seconds = time.perf_counter() - began
        updated = isinstance(holder.engine.index.card_words, LayeredIndex)
        return Change(seconds, updated, rss, _status_mb("VmHWM"), lag)

    first = await change(
        files[0], _card(CHANGED_QUESTION, "Every file is parsed once."), CHANGED_QUESTION, files[0].stem
    )
    changed_answer = _card(CHANGED_QUESTION + " again", "Renew it from the marker page.")
    changed = await change(files[1], changed_answer, CHANGED_QUESTION + " again", files[1].stem)
    added_path = files[2].parent / "bench-lighthouse.md"
    added_text = _card(ADDED_QUESTION, "The lighthouse is on the pier.")
    added = await change(added_path, added_text, ADDED_QUESTION, added_path.stem)
    removed_question = holder.engine.knowledge.cards[files[3].stem].questions[0]
    removed = await change(files[3], None, removed_question, None)
    ticker.stop()
    return OneCard(len(holder.engine.cards), start_mb, first, changed, added, removed)


def measure(knowledge: Path, cache: Path) -> OneCard:
    return asyncio.run(_serve(knowledge, cache))


def measure_in_subprocess(knowledge: Path, cache: Path) -> OneCard | str:
    """The measurement in a new interpreter, on the card files and index cache the starts left; or why it failed."""
    try:
        fields = run_module("bench.reload", [str(knowledge), str(cache)], timeout=TIMEOUT)
    except ChildError as exc:
        return str(exc)
    changes = [_change(fields[name]) for name in ("first", "changed", "added", "removed")]
    return OneCard(fields["cards"], fields["start_mb"], *changes)


def _change(fields: dict[str, Any]) -> Change:
    return Change(**{**fields, "lag": Lag(**fields["lag"])})


def main() -> None:
    knowledge, cache = sys.argv[1:3]
    print(json.dumps(asdict(measure(Path(knowledge), Path(cache)))))


if __name__ == "__main__":
    main()
