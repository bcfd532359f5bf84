import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from tests.conftest import FIXTURE_KNOWLEDGE

JSON_KEYS = ["question", "answered", "outcome", "card", "score", "answer", "source", "suggestions"]


@pytest.fixture(autouse=True)
def fixture_knowledge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOWLEDGE_DIR", str(FIXTURE_KNOWLEDGE))


def test_ask_json_answer_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "how", "do", "i", "get", "a", "role"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == JSON_KEYS
    assert out["question"] == "how do i get a role"
    assert out["answered"] is True
    assert out["outcome"] == "answered"
    assert out["card"] == "roles"
    assert isinstance(out["score"], float)
    assert out["answer"].startswith("Open the **#roles** channel")
    assert out["source"] == {
        "document": "handbook",
        "title": "Community Handbook",
        "section": "Roles",
        "url": "https://example.org/handbook",
    }
    assert out["suggestions"] == []


def test_ask_json_decline_contract(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCH_THRESHOLD", "90")  # a set threshold overrides the one chosen from the cards
    assert main(["ask", "--json", "python env"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answered"] is False
    assert out["outcome"] == "low_score"
    assert out["card"] is None
    assert out["answer"] is None
    assert out["source"] is None
    assert 1 <= len(out["suggestions"]) <= 3
    assert set(out["suggestions"][0]) == {"card", "question", "score"}
    assert out["suggestions"][0]["card"] == "virtualenv"  # "env" is read as "environment" (chat_words.txt)


def test_ask_json_stdin_one_line_each_in_order() -> None:
    questions = ["server rules", "", "hi", "create a venv", "x" * 30_000]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "-"],
        input="\n".join(questions) + "\n",
        capture_output=True,
        text=True,
        env={"KNOWLEDGE_DIR": str(FIXTURE_KNOWLEDGE), "PATH": "/usr/bin:/bin", "LOG_LEVEL": "DEBUG"},
        timeout=60,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    lines = result.stdout.splitlines()
    assert [json.loads(line)["question"] for line in lines] == questions
    assert [json.loads(line)["card"] for line in lines] == ["rules", None, None, "virtualenv", None]
    outcomes = ["answered", "empty", "empty", "answered", "too_long"]  # "hi": nothing to look up
    assert [json.loads(line)["outcome"] for line in lines] == outcomes
    assert all(list(json.loads(line)) == JSON_KEYS for line in lines)


def test_ask_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "server", "rules"]) == 0
    out = capsys.readouterr().out
    assert "Be kind, stay on topic" in out
    assert "Source: Community Handbook, Rules <https://example.org/handbook>" in out
    assert main(["ask", "x" * 600]) == 0
    assert "too long" in capsys.readouterr().out


def test_ask_text_shows_no_markdown_markers_and_parts_answers_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("how do i get a role\nserver rules\n"))
    assert main(["ask", "-"]) == 0
    out = capsys.readouterr().out
    assert "Open the #roles channel" in out
    assert "**" not in out
    assert "(card roles, score 100)\n\nWhat are the server rules?" in out  # a blank line between answers


def test_chat_reads_until_eof(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("create a venv\n/topics\nwhat is the meaning of life\n/quit\nhi\n"))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "python -m venv .venv" in out
    assert "python:\n  - How do I install Python?" in out
    assert "couldn't find a confident answer" in out
    assert "Happy to help" not in out  # "hi" came after /quit


def test_bad_setting_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MATCH_THRESHOLD", "lots")
    assert main(["check"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("invalid setting MATCH_THRESHOLD:")
    assert "\n" not in err


def test_broken_knowledge_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path))
    assert main(["ask", "hello there"]) == 1
    assert "sources.yaml:1: missing" in capsys.readouterr().err


def test_one_broken_card_leaves_the_others_answering_unless_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge = Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))
    (knowledge / "cards" / "broken.md").write_text("---\nquestions: [Where is it?\n---\nHere.\n", encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(knowledge))
    assert main(["ask", "--json", "how do i get a role"]) == 0  # `run` builds its engine the same way
    assert json.loads(capsys.readouterr().out)["card"] == "roles"
    monkeypatch.setenv("STRICT_CARDS", "true")
    assert main(["ask", "how do i get a role"]) == 1
    assert "knowledge/cards/broken.md:3: bad YAML" in capsys.readouterr().err


def test_eval_passes_and_fails_on_its_thresholds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    eval_file = tmp_path / "eval.yaml"
    eval_file.write_text(
        "thresholds: {in_scope_accuracy: 0.5, out_of_scope_recall: 0.5}\n"
        "in_scope:\n  - {question: 'i want the helper role', card: roles}\n"
        "  - {question: 'pls whats allowed to be posted here', card: rules}\n"
        "out_of_scope: ['whats for dinner', 'hello']\n"
    )
    assert main(["eval", "--file", str(eval_file)]) == 0
    assert "in-scope accuracy" in capsys.readouterr().out
    eval_file.write_text(eval_file.read_text().replace("0.5, out", "1.0, out").replace("card: rules", "card: events"))
    assert main(["eval", "--file", str(eval_file)]) == 1
    out = capsys.readouterr().out
    assert "expected events, got rules" in out
    assert "FAIL" in out


EVAL_HEAD = "thresholds: {in_scope_accuracy: 0, out_of_scope_recall: 0}\nin_scope:\n"


@pytest.mark.parametrize(
    ("cases", "problem"),
    [
        ("  - {question: 'i want the helper role', card: roles\n", "eval.yaml:3: bad YAML:"),
        ("  - {question: 'i want the helper role'}\n", "eval.yaml:3: in_scope item 1: missing field 'card'"),
        (
            "  - {question: 'i want the helper role', card: roles, cards: [events]}\n",
            "eval.yaml:3: in_scope item 1: unknown field 'cards': an in_scope case may have question, card",
        ),
    ],
)
def test_a_malformed_eval_file_is_one_line_a_problem_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cases: str, problem: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("eval.yaml").write_text(f"{EVAL_HEAD}{cases}out_of_scope: [hello]\n")
    assert main(["eval", "--file", "eval.yaml"]) == 1
    assert capsys.readouterr().err.startswith(problem)


def test_eval_counts_declined_questions_whose_card_was_offered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCH_THRESHOLD", "99")
    eval_file = tmp_path / "eval.yaml"
    eval_file.write_text(
        "thresholds: {in_scope_accuracy: 0, out_of_scope_recall: 0}\n"
        "in_scope:\n  - {question: 'which roles can i pick', card: roles}\n"
        "  - {question: 'which roles can i pick', card: events}\n"
        "out_of_scope: ['hello']\n"
    )
    assert main(["eval", "--file", str(eval_file)]) == 0
    out = capsys.readouterr().out
    assert "declined in-scope           2  (1 with their card offered" in out
    assert "expected roles, got declined (low_score), offered" in out
    assert "expected events, got declined (low_score)\n" in out


def test_subcommand_names_are_unique() -> None:
    parser = build_parser()
    actions = [a for a in parser._subparsers._group_actions if hasattr(a, "choices")]  # type: ignore[union-attr]
    names = [name for action in actions for name in action.choices]
    assert len(names) == len(set(names))
    assert {"ask", "chat", "check", "eval", "run"} <= set(names)


@pytest.mark.parametrize("command", [["health"], ["--help"]])
def test_commands_that_answer_nothing_load_no_engine(command: list[str]) -> None:
    script = (
        "import sys\nfrom bot.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print('engine loaded' if 'bot.engine' in sys.modules else 'no engine')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *command],
        capture_output=True,
        text=True,
        env={
            "KNOWLEDGE_DIR": str(FIXTURE_KNOWLEDGE),
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).parent.parent),
        },
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert result.stdout.splitlines()[-1] == "no engine", result.stderr  # the container's health check runs often


def test_ask_answers_without_the_serving_bots_modules(tmp_path: Path) -> None:
    """`ask` answers without the metrics or a chat platform's client: each costs start-up time and memory."""
    serving = ["prometheus_client", "bot.metrics", "discord", "slack_bolt", "aiohttp"]
    script = (
        "import sys\nfrom bot.cli import main\nmain(['ask', 'server rules'])\n"
        f"print([name for name in {serving!r} if name in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={
            "KNOWLEDGE_DIR": str(FIXTURE_KNOWLEDGE),
            "INDEX_CACHE_DIR": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(Path(__file__).parent.parent),
        },
        timeout=60,
        cwd=Path(__file__).parent.parent,
    )
    assert "rules" in result.stdout, result.stderr
    assert result.stdout.splitlines()[-1] == "[]", result.stderr


def test_a_report_with_no_store_yet_logs_no_migration(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "report", "stats"],
        capture_output=True,
        text=True,
        env={"KNOWLEDGE_DIR": str(FIXTURE_KNOWLEDGE), "DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    assert result.stdout.startswith("Scope: everything recorded")
    assert "questions: 0, answered: 0" in result.stdout
    assert result.stderr.splitlines() == [
        f"no store at {tmp_path / 'data' / 'faqbot.sqlite3'} yet: nothing recorded "
        "(the bot records questions asked on Discord and Slack)"
    ]
