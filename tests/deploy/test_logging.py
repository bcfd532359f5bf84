"""Log output: plain lines for a terminal, one JSON object a line for collectors, and no secret in either."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.log import setup_logging

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789"  # a Discord-shaped fake


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def emit(capsys: pytest.CaptureFixture[str], fmt: str, secrets: tuple[str, ...] = ()) -> list[str]:
    setup_logging("DEBUG", fmt, secrets=secrets)
    log = logging.getLogger("bot.example")
    log.info("answered %s", "q-1", extra={"fields": {"card": "python-install", "score": 87.5}})
    log.debug("connecting with %s", "the configured secret " + (secrets[0] if secrets else ""))
    try:
        raise RuntimeError(f"gateway said no to {TOKEN}")
    except RuntimeError:
        log.exception("gateway failure")
    captured = capsys.readouterr()
    assert captured.out == "", "logs go to stderr: stdout belongs to command output"
    return captured.err.splitlines()


def test_text_lines_for_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    lines = emit(capsys, "text")
    assert "INFO" in lines[0]
    assert "bot.example: answered q-1 card=python-install score=87.5" in lines[0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0])
    assert any(line.startswith("Traceback") for line in lines), "the traceback follows the message"


def test_json_lines_for_collectors(capsys: pytest.CaptureFixture[str]) -> None:
    lines = emit(capsys, "json")
    entries = [json.loads(line) for line in lines]  # every line parses on its own
    assert len(entries) == 3
    first = entries[0]
    assert first["level"] == "INFO"
    assert first["logger"] == "bot.example"
    assert first["message"] == "answered q-1"
    assert first["card"] == "python-install"
    assert first["score"] == 87.5
    assert first["time"][:2] == "20"
    assert "RuntimeError" in entries[2]["exception"]


def test_fields_that_json_cannot_hold_are_written_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "json")
    logging.getLogger("bot.example").info("loaded", extra={"fields": {"path": Path("/srv/cards")}})
    assert json.loads(capsys.readouterr().err)["path"] == "/srv/cards"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_secret_in_any_format(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    secret = "s3cr3t-signing-value"
    setup_logging("DEBUG", fmt, secrets=[secret])
    log = logging.getLogger("bot.example")
    log.debug("headers %s", {"Authorization": f"Bot {TOKEN}"})
    log.info("signing with %s", secret, extra={"fields": {"token": TOKEN, "secret": secret}})
    try:
        raise ValueError(secret)
    except ValueError:
        log.exception("failed")
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert secret not in err
    assert err.count("[redacted]") >= 5


def test_debug_is_the_bot_s_own_detail_not_every_sql_statement(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG", "text")
    logging.getLogger("bot.example").debug("bot detail")
    logging.getLogger("aiosqlite").debug("executing SELECT 1")
    logging.getLogger("aiosqlite").warning("a real problem")
    err = capsys.readouterr().err
    assert "bot detail" in err
    assert "SELECT 1" not in err
    assert "a real problem" in err


def test_discord_pys_warning_about_voice_libraries_is_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO")
    client_log = logging.getLogger("discord.client")
    client_log.warning("PyNaCl is not installed, voice will NOT be supported")
    client_log.warning("Shard ID %s has stopped responding to the gateway", None)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert "stopped responding" in lines[0]
