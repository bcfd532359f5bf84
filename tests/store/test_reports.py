from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot import reports
from bot.cli import main
from bot.engine.offers import SUGGESTION_FLOOR
from bot.holder import EngineHolder
from bot.settings import load_settings
from bot.store import Platform, QuestionEvent, Scope, Store, open_store
from bot.store.store import DAY
from tests.conftest import FIXTURE_KNOWLEDGE

NOW = time.time()
TRICKY = 'what\'s "tagging": a #thing? 🤔'


def asked(
    question: str,
    card: str | None = None,
    score: float = 20.0,
    days_ago: float = 0.5,
    user: int = 1,
    platform: Platform = "discord",
    guild: str | None = None,
) -> QuestionEvent:
    outcome = "answered" if card else "low_score"
    return QuestionEvent(platform, user, question, card, score, outcome, guild, asked_at=NOW - days_ago * DAY)


async def seed(store: Store) -> dict[str, str]:
    ids = {}
    for question, times in [
        ("how do I reset my password", 3),
        ("how can I reset my password?", 2),
        ("password reset", 1),
        ("how do i reset my pasword", 1),
        ("is there a voice channel for music", 2),
        ("how do I install node", 1),
        (TRICKY, 1),
    ]:
        for n in range(times):
            ids[question] = store.record_question(asked(question, user=n))
    store.record_question(asked("a declined question from long ago", days_ago=30))
    for day, count in [(0.5, 3), (1.5, 2)]:
        for n in range(count):
            ids[f"roles {day} {n}"] = store.record_question(asked("How do I get a role?", "roles", 100.0, day, n))
    ids["rules"] = store.record_question(asked("server rules", "rules", 90.0))
    return ids


async def vote(store: Store, ids: dict[str, str]) -> None:
    question = ids["rules"]
    for user, (card, helpful, reason) in enumerate(
        [
            ("roles", False, "the menu moved"),
            ("roles", False, None),
            ("roles", False, "outdated"),
            ("roles", True, None),
            ("rules", True, None),
            ("rules", True, None),
            ("events", False, None),
            ("events", True, None),
            ("removed-card", False, None),
        ]
    ):
        assert await store.record_vote(question, user, card, helpful, reason)


@pytest.fixture(scope="module")
def holder() -> EngineHolder:
    return EngineHolder(FIXTURE_KNOWLEDGE)


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(load_settings(data_dir=tmp_path, database_url=None, user_hash_salt=None))
    await vote(store, await seed(store))
    store.record_pick(store.record_question(asked("voice chat?")), "rules")
    yield store
    await store.close()


async def test_unanswered_groups_similar_wordings_most_asked_first(seeded: Store, holder: EngineHolder) -> None:
    report = await reports.build("unanswered", seeded, holder, None, days=7, now=NOW)
    groups = report.unanswered
    assert [(group.question, group.count) for group in groups[:2]] == [
        ("how do I reset my password", 7),
        ("is there a voice channel for music", 2),
    ]
    assert set(groups[0].variants) == {"how can I reset my password?", "password reset", "how do i reset my pasword"}
    asked_questions = {group.question for group in groups} | {v for group in groups for v in group.variants}
    assert "a declined question from long ago" not in asked_questions  # outside the period
    assert "How do I get a role?" not in asked_questions  # answered
    closest = {group.question: group.closest for group in groups}
    [best] = holder.engine.rank("how do I install node", limit=1)
    assert best.score >= SUGGESTION_FLOOR
    assert closest["how do I install node"] == reports.Closest(best.card.id, best.card.title, best.score)
    [far] = holder.engine.rank("is there a voice channel for music", limit=1)
    assert far.score < SUGGESTION_FLOOR
    assert closest["is there a voice channel for music"] is None  # no card worth pointing at: a new one is needed


async def test_feedback_puts_the_most_thumbs_down_first(seeded: Store, holder: EngineHolder) -> None:
    report = await reports.build("feedback", seeded, holder, None, days=7, now=NOW)
    summary = [(item.card, item.unhelpful, item.helpful) for item in report.feedback]
    assert summary == [("roles", 3, 1), ("removed-card", 1, 0), ("events", 1, 1), ("rules", 0, 2)]
    roles = report.feedback[0]
    assert roles.helpful_ratio == pytest.approx(0.25)
    assert sorted(roles.reasons) == ["outdated", "the menu moved"]
    assert roles.title == holder.knowledge.cards["roles"].title
    assert report.feedback[1].title is None  # the card was deleted since


async def test_stats_count_answers_scores_and_days(seeded: Store, holder: EngineHolder) -> None:
    stats = (await reports.build("stats", seeded, holder, None, days=7, now=NOW)).stats
    assert stats is not None
    assert (stats.questions, stats.answered) == (18, 6)
    assert stats.answer_rate == pytest.approx(6 / 18)
    assert stats.median_score == 20.0
    assert stats.top_cards == [("roles", 5), ("rules", 1)]
    assert sum(day.questions for day in stats.per_day) == 18
    day = [datetime.fromtimestamp(NOW - days * DAY, UTC).date().isoformat() for days in (1.5, 0.5)]
    assert [(d.day, d.questions, d.answered) for d in stats.per_day] == [(day[0], 2, 2), (day[1], 16, 4)]
    assert (stats.votes, stats.helpful_votes, stats.picks) == (9, 4, 1)
    assert stats.declined == {"low_score": 12}


async def test_a_scoped_report_shows_only_its_communitys_records_and_says_whose(
    seeded: Store, holder: EngineHolder
) -> None:
    """The seeded records belong to no server (direct messages): none of them may show in a server's report."""
    here = seeded.record_question(asked("where are the server emotes", guild="1"))
    seeded.record_question(asked("is there a minecraft server", guild="2"))
    seeded.record_question(asked("what is the slack etiquette", platform="slack", guild="1"))
    await seeded.record_vote(here, 99, "emotes", helpful=False, reason="no such channel")
    scope = Scope("discord", "1")

    unanswered = await reports.build("unanswered", seeded, holder, scope, days=7, now=NOW)
    assert [(group.question, group.count) for group in unanswered.unanswered] == [("where are the server emotes", 1)]
    feedback = await reports.build("feedback", seeded, holder, scope, days=7, now=NOW)
    assert [(item.card, item.reasons) for item in feedback.feedback] == [("emotes", ["no such channel"])]
    stats = await reports.build("stats", seeded, holder, scope, days=7, now=NOW)
    assert stats.stats is not None
    assert (stats.stats.questions, stats.stats.votes, stats.stats.picks) == (1, 1, 0)

    assert reports.format_text(unanswered).splitlines()[0] == "Scope: discord 1 only"
    assert reports.format_eval(unanswered).splitlines()[0] == "# Scope: discord 1 only"
    assert reports.as_json(stats)["scope"] == {"platform": "discord", "guild": "1"}
    assert reports.as_json(await reports.build("stats", seeded, holder, None))["scope"] is None


async def test_the_eval_export_loads_as_yaml_with_every_declined_wording(seeded: Store, holder: EngineHolder) -> None:
    report = await reports.build("unanswered", seeded, holder, None, days=7, now=NOW)
    exported = yaml.safe_load(reports.format_eval(report))
    assert exported["in_scope"] == []
    assert set(exported["out_of_scope"]) == {
        "how do I reset my password",
        "how can I reset my password?",
        "password reset",
        "how do i reset my pasword",
        "is there a voice channel for music",
        "how do I install node",
        TRICKY,
        "voice chat?",
    }


async def test_reports_on_an_empty_store_say_so(tmp_path: Path, holder: EngineHolder) -> None:
    store = await open_store(load_settings(data_dir=tmp_path, database_url=None, user_hash_salt=None))
    try:
        texts = [
            reports.format_text(await reports.build(kind, store, holder, None)) for kind in ("unanswered", "feedback")
        ]
        stats = await reports.build("stats", store, holder, None)
        assert yaml.safe_load(reports.format_eval(await reports.build("unanswered", store, holder, None))) == {
            "in_scope": [],
            "out_of_scope": [],
        }
    finally:
        await store.close()
    everything = reports.scope_line(None)
    assert texts == [
        f"{everything}\nNo declined questions in the last 7 days.",
        f"{everything}\nNo feedback votes in the last 7 days.",
    ]
    assert stats.stats is not None
    assert stats.stats.answer_rate is None
    assert "n/a" in reports.format_text(stats)


def test_the_report_command_prints_json_and_eval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KNOWLEDGE_DIR", str(FIXTURE_KNOWLEDGE))
    monkeypatch.delenv("DATABASE_URL", raising=False)

    async def fill() -> None:
        store = await open_store(load_settings())
        await seed(store)
        await store.close()

    asyncio.run(fill())
    assert main(["report", "stats", "--days", "7", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)["stats"]
    assert (stats["questions"], stats["answered"], stats["answer_rate"]) == (17, 6, round(6 / 17, 3))

    assert main(["report", "unanswered", "--format", "eval"]) == 0
    assert "how do I reset my password" in yaml.safe_load(capsys.readouterr().out)["out_of_scope"]

    assert main(["report", "unanswered"]) == 0
    assert "   7× how do I reset my password" in capsys.readouterr().out

    assert main(["report", "stats"]) == 0
    assert capsys.readouterr().out.startswith(reports.scope_line(None) + "\n")
    assert main(["report", "stats", "--guild", "5", "--json"]) == 0  # no question of the seed has a server
    assert json.loads(capsys.readouterr().out)["stats"]["questions"] == 0
    assert main(["report", "unanswered", "--workspace", "T0123ABCD"]) == 0
    assert capsys.readouterr().out.startswith("Scope: slack T0123ABCD only\n")

    assert main(["report", "stats", "--format", "eval"]) == 2
    for wrong in (
        ["--days", "0"],
        ["--guild", "T0123ABCD"],
        ["--workspace", "123"],
        ["--guild", "1", "--workspace", "T1"],
    ):
        with pytest.raises(SystemExit):
            main(["report", "stats", *wrong])


def test_a_report_before_anything_was_recorded_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KNOWLEDGE_DIR", str(FIXTURE_KNOWLEDGE))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("USER_HASH_SALT", raising=False)
    assert main(["report", "unanswered"]) == 0
    captured = capsys.readouterr()
    assert "No declined questions in the last 7 days." in captured.out
    assert f"no store at {tmp_path / 'data' / 'faqbot.sqlite3'} yet" in captured.err
    assert not (tmp_path / "data").exists()
