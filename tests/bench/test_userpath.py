import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from bench.child import ROOT
from bench.loop_lag import Lag
from bench.reload import Change, OneCard
from bench.synthetic import ALTERNATES
from bench.userpath import Start, UserPath, lines, write_cards
from bot.cards import load_knowledge


def test_the_written_cards_load_without_a_problem(tmp_path: Path) -> None:
    queries = write_cards(1_200, tmp_path)  # more than one folder, and questions the generator drew twice
    knowledge, problems = load_knowledge(tmp_path)
    assert problems == []
    assert len(knowledge.cards) == 1_200
    assert all(len(card.questions) == ALTERNATES for card in knowledge.cards.values())
    assert len({card.path.parent for card in knowledge.cards.values() if card.path}) == 2
    assert queries


def test_the_table_names_the_path_and_each_cache_state() -> None:
    start = Start(1.0, 0.2, 0.3, 0.4, 0.1, 0.001, 120.0, 2.0, 6.0, first_mb=95.0)
    text = "\n".join(lines(UserPath(10_000, 1_000, start, "exit 1: boom")))
    assert "card files on disk → loader → engine" in text
    assert "| empty | 1.00 s ✓ (≤ 1.5 s) |" in text
    assert "| 6.00 ms ✓ (≤ 10 ms) | 95 |" in text  # the peak at the first answer, beside the one after the questions
    assert "| present | failed: exit 1: boom |" in text


def test_the_measured_process_imports_only_what_the_bot_does_before_its_clock() -> None:
    """The parent's reload bench (asyncio, the loop-lag ticker) is not imported into the start it measures."""
    script = "import sys, bench.userpath; print(sorted({'asyncio', 'numpy', 'bench.reload'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


def test_the_one_card_reloads_are_a_table_of_their_own() -> None:
    lag = Lag(0.3, 4.0, 12.0)
    change = Change(0.31, True, 200.0, 210.0, lag)
    reload = OneCard(10_000, 190.0, Change(2.5, True, 195.0, 260.0, lag), change, change, replace(change, seconds=0.7))
    start = Start(1.0, 0.2, 0.3, 0.4, 0.1, 0.001, 120.0, 2.0, 6.0)
    text = "\n".join(lines(UserPath(10_000, 1_000, start, start, reload)))
    assert "| first after the start | 2.50 s | yes | 195 / 260 | 4.0 / 12.0 |" in text
    assert "| a card changed | 0.31 s ✓ (≤ 0.5 s) | yes | 200 / 210 |" in text
    assert "| a card removed | 0.70 s ✗ (≤ 0.5 s) |" in text


def test_a_calibration_chosen_beside_the_build_is_timed_by_the_wait_for_it(tmp_path: Path) -> None:
    """The start measured in a fresh process, where the calibration runs in a forked child: its column is the wait
    for the child, never the 0 a timer in the child would leave."""
    queries = write_cards(60, tmp_path / "knowledge")[:5]
    script = (
        "import json, sys, time; from pathlib import Path; from bot import forked; forked.cores = lambda: 2; "
        "from bench.userpath import measure; "
        "start = measure(Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3]), time.time()); "
        "print(start.calibration)"
    )
    args = [str(tmp_path / "knowledge"), str(tmp_path / "cache"), json.dumps(queries)]
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    assert float(done.stdout.split()[0]) > 0
