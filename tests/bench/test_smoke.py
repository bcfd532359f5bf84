"""The whole harness on a small run: every table is filled, nothing is skipped silently."""

import json
import re
from pathlib import Path

import pytest

from bench.__main__ import main

CLINC_SAMPLE = {
    # Two intents, a few utterances each, and out-of-scope queries: enough for every split the harness reads.
    "train": [[f"what is my {w} balance", "balance"] for w in ("bank", "card", "savings", "account")]
    + [[f"book a {w} to paris", "book_flight"] for w in ("flight", "plane", "ticket", "seat")],
    "val": [["what is my checking balance", "balance"], ["book a trip to paris", "book_flight"]],
    "test": [["tell me my card balance", "balance"], ["book me a flight to paris", "book_flight"]],
    "oos_val": [["what is the capital of peru", "oos"], ["tell me a joke", "oos"]],
    "oos_test": [["how tall is everest", "oos"], ["play some jazz", "oos"]],
}


@pytest.fixture
def clinc_file(tmp_path: Path) -> Path:
    path = tmp_path / "clinc.json"
    path.write_text(json.dumps(CLINC_SAMPLE))
    return path


def test_smoke_run_writes_every_section(tmp_path: Path, clinc_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["--smoke", "--clinc", str(clinc_file), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    written = (out / "results.md").read_text()
    assert printed.strip() == written.strip()
    assert "| faqbot engine | paper" in written
    assert "| rapidfuzz token_sort_ratio NN | paper" in written
    assert "| BERT (published) | paper | — | 96.2 | 52.3 |" in written
    speed_row = next(line for line in written.splitlines() if line.startswith("| 100 |"))
    assert "failed" not in speed_row
    assert "—" not in speed_row  # the second process, reading the index cache, was measured too
    assert "Cold start of `python -m bot ask`" in written
    lag = written.split("## Event loop lag", 1)[1].split("##", 1)[0]
    assert "| reload: build |" in lag
    assert "failed" not in lag
    user_path = written.split("## The user's path: card files to a first answer", 1)[1].split("\n## ", 1)[0]
    assert "| empty |" in user_path
    assert "| present |" in user_path
    assert "failed" not in user_path
    assert "| 2 | faqbot engine | default:" in written.split("## Quality with a few phrasings a card", 1)[1]
    load = written.split("## Load through the fake Discord", 1)[1]
    assert "| 1 | 40 |" in load  # one process answered every interaction of the burst
    assert "| 2 | 40 |" in load  # and two shards did
    assert "failed" not in load
    assert re.search(r"\| SQLite \| [\d,]+ ✓ \| [\d,]+ ✓ \|", load)  # the store's writes a second, measured
    soak = written.split("## Memory under new questions", 1)[1].split("\n## ", 1)[0]
    assert "✓ (< 250 MB) |" in soak  # the soak ran in its own process, under the target


def test_missing_data_set_is_reported_and_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--smoke", "--clinc", str(tmp_path / "absent.json"), "--sizes", "100"]) == 0
    assert "CLINC150 not found at" in capsys.readouterr().out


def test_quality_only_prints_the_clinc_section_alone(
    tmp_path: Path, clinc_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bench.__main__.ROOT", tmp_path)  # where results.md would go by default
    assert main(["--quality-only", "--smoke", "--clinc", str(clinc_file)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("## Quality on CLINC150")
    assert "| faqbot engine, trained part" in printed
    assert "Speed and memory" not in printed
    assert list(tmp_path.iterdir()) == [clinc_file]  # no results.md written


def test_soak_alone_prints_its_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--soak", "--smoke"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("## Memory under new questions")
    assert "200 distinct questions" in printed


def test_loop_lag_alone_prints_its_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--loop-lag", "--smoke"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("## Event loop lag")
    assert "| 25 at once |" in printed


def test_smoke_fewshot_table_has_the_engine_row(clinc_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--smoke", "--fewshot", "--clinc", str(clinc_file)]) == 0
    printed = capsys.readouterr().out
    assert "| 2 | faqbot engine | default:" in printed
    assert "TF-IDF + logistic regression" in printed  # its row, or why it was skipped
