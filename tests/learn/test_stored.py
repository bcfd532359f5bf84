"""`ask`, `chat` and `explain` apply what members taught the running bot: the store's live phrasings and voted-down
questions, read without creating, migrating or writing a database."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.cli import main
from bot.learn.learned import question_key
from bot.settings import load_settings
from bot.store import learning as records
from bot.store import open_store
from bot.store.learning import State
from tests.conftest import FIXTURE_KNOWLEDGE
from tests.store.postgres import fresh_database

UNSEEN = "which menu gives me my tags"  # declined on the fixture cards, with `roles` offered
ROLES = "how do i get a role"  # answered with `roles`


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KNOWLEDGE_DIR", str(FIXTURE_KNOWLEDGE))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LOG_LEVEL", "WARNING")  # the store's opening in `teach` logs its migration
    return tmp_path / "data"


def teach(live: Sequence[tuple[str, str]] = (), voted_down: Sequence[tuple[str, str]] = ()) -> None:
    """A store as the running bot leaves it: phrasings made live, and questions two members voted 👎 on a card."""

    async def write() -> None:
        async with await open_store(load_settings()) as store:
            for question, card in live:
                assert await records.propose(store, question_key(question), question, card, State.LIVE)
            for question, card in voted_down:
                for user in ("u1", "u2"):
                    await records.give_evidence(store, question_key(question), question, card, user, helpful=False)

    asyncio.run(write())


def asked(question: str, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, object], str]:
    """`ask --json`: the answer, and what went to stderr."""
    capsys.readouterr()  # what came before
    assert main(["ask", "--json", question]) == 0
    out, err = capsys.readouterr()
    answer: dict[str, object] = json.loads(out)
    return answer, err


def test_a_live_phrasing_in_the_store_is_answered_by_ask(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before, _ = asked(UNSEEN, capsys)
    teach(live=[(UNSEEN, "roles")])
    after, err = asked(UNSEEN, capsys)
    assert (before["answered"], before["card"]) == (False, None)
    assert (after["answered"], after["card"]) == (True, "roles")
    assert err == ""


def test_explain_decides_as_the_live_phrasing_says(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", UNSEEN]) == 0
    before = capsys.readouterr().out.splitlines()[-1]
    teach(live=[(UNSEEN, "roles")])
    assert main(["explain", UNSEEN]) == 0
    after = capsys.readouterr().out.splitlines()[-1]
    assert before == "decision: declined (low_score); offered: roles"
    assert after == "decision: answered with roles (score 100.0)"


def test_a_question_voted_down_on_a_card_is_not_answered_with_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before, _ = asked(ROLES, capsys)
    teach(voted_down=[(ROLES, "roles")])
    after, _ = asked(ROLES, capsys)
    assert before["card"] == "roles"
    assert (after["answered"], after["outcome"]) == (False, "low_score")
    assert after["suggestions"][0]["card"] == "roles"  # type: ignore[index]


def test_without_a_store_nothing_is_created_and_nothing_is_said(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer, err = asked(UNSEEN, capsys)
    assert answer["answered"] is False
    assert err == ""
    assert not data_dir.exists()


def test_the_store_is_read_without_being_written(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    teach(live=[(UNSEEN, "roles")])
    database = data_dir / "faqbot.sqlite3"
    with sqlite3.connect(database) as connection:  # a store of an older bot, which opening it for the bot migrates
        connection.execute("DELETE FROM schema_version WHERE version = (SELECT MAX(version) FROM schema_version)")
    connection.close()
    digest = hashlib.sha256(database.read_bytes()).hexdigest()
    answer, err = asked(UNSEEN, capsys)
    assert answer["card"] == "roles"
    assert err == ""
    assert hashlib.sha256(database.read_bytes()).hexdigest() == digest
    assert not (data_dir / "faqbot.sqlite3-wal").exists() or (data_dir / "faqbot.sqlite3-wal").stat().st_size == 0


def test_a_store_that_cannot_be_read_is_one_line_and_the_answer_still_comes(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir.mkdir()
    (data_dir / "faqbot.sqlite3").write_text("not a database\n")
    answer, err = asked(ROLES, capsys)
    assert answer["card"] == "roles"
    assert err.splitlines() == [
        "cannot read the learned phrasings from the store (DatabaseError: file is not a database): answering from "
        "the cards alone"
    ]
    assert (data_dir / "faqbot.sqlite3").read_text() == "not a database\n"


def test_a_live_phrasing_in_postgresql_is_answered_by_ask(
    data_dir: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", asyncio.run(fresh_database(postgres_url)))
    teach(live=[(UNSEEN, "roles")])
    answer, err = asked(UNSEEN, capsys)
    assert (answer["answered"], answer["card"]) == (True, "roles")
    assert err == ""
