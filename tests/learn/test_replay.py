"""`eval --learn`: members teach the bot in round one, others are answered in round two; nothing reaches a file."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot import more_cards
from bot.cards import load_knowledge_strict
from bot.cli import main
from bot.engine import Engine
from bot.evaluation import EvalSet
from bot.learn.learned import Learned
from bot.learn.replay import asked_further, format_replay, replay
from bot.settings import load_settings
from tests.conftest import FIXTURE_KNOWLEDGE

TAUGHT = """\
thresholds: {in_scope_accuracy: 0.5, out_of_scope_recall: 0.5}
in_scope:
  - {question: which menu gives me my tags, card: roles}
  - {question: How do I get a role?, card: roles}
out_of_scope:
  - what is the capital of peru
"""
OTHER = """\
thresholds: {in_scope_accuracy: 0.5, out_of_scope_recall: 0.5}
in_scope:
  - {question: where do i pick my roles, card: roles}
out_of_scope:
  - recommend me a pizza place
"""


@pytest.fixture
def knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "knowledge"
    shutil.copytree(FIXTURE_KNOWLEDGE, folder)
    (folder / "taught.yaml").write_text(TAUGHT, encoding="utf-8")
    (folder / "other.yaml").write_text(OTHER, encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    return folder


def test_round_two_is_answered_from_what_round_one_taught(knowledge: Path) -> None:
    files = {path: path.read_bytes() for path in knowledge.rglob("*") if path.is_file()}
    eval_set, _ = EvalSet.load(knowledge / "taught.yaml")
    assert eval_set is not None
    result = asyncio.run(replay(load_settings(), knowledge / "taught.yaml", eval_set))

    assert result.round_one.in_scope_correct == 1  # the title is answered; the other is only offered, and picked
    assert result.learned == 1
    assert result.round_two.in_scope_correct == 2
    ((other, before, after),) = result.others
    assert other.name == "other.yaml"
    assert (before.out_of_scope_declined, after.out_of_scope_declined) == (1, 1)
    assert result.passed
    assert "round two   in-scope 100.0% (2/2)" in format_replay(result)
    assert {path: path.read_bytes() for path in knowledge.rglob("*") if path.is_file()} == files
    assert not (knowledge.parent / "data").exists()  # learned into memory, not the bot's store


def test_eval_learn_on_the_command_line(knowledge: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--learn", "--file", str(knowledge / "taught.yaml")]) == 0
    out = capsys.readouterr().out
    assert "1 phrasing(s) learned" in out
    assert "(declines +0.0 points)" in out


GUILD = ("bank", "raids", "ranks", "events", "recruiting", "chat rules", "officers", "alliances")


def guild_cards(folder: Path) -> Path:
    """Eight cards that share the word "guild": a question of that word alone offers them all, in some order."""
    (folder / "cards").mkdir(parents=True)
    (folder / "sources.yaml").write_text("- id: handbook\n  title: The handbook\n", encoding="utf-8")
    for topic in GUILD:
        card = f"---\nquestions:\n  - how do the guild {topic} work?\nsource: {{document: handbook}}\n---\n"
        text = f"{card}The guild {topic} are explained in the handbook.\n"
        (folder / "cards" / f"{topic.replace(' ', '-')}.md").write_text(text, encoding="utf-8")
    return folder


def test_a_member_asks_for_more_only_as_the_bot_lets_them(tmp_path: Path) -> None:
    """Declined: More… once, the next three cards; answered wrong: a 👎, then the cards the bot offers without it."""
    knowledge = load_knowledge_strict(guild_cards(tmp_path / "knowledge"))
    declining = Engine(knowledge, threshold=90.0, margin=0.0)
    declined = declining.answer("guild")
    order = [offer.card.id for offer in more_cards.offers(declining, Learned(), "guild")]
    assert asked_further(declined, order[4], declining, Learned()) == (True, None)  # on the page More… shows
    assert asked_further(declined, order[6], declining, Learned()) == (False, None)  # a page further: not looked at

    answering = Engine(knowledge, threshold=0.0, margin=0.0)
    wrong = answering.answer("guild")
    assert wrong.card is not None
    shown = {wrong.card.id, *(suggestion.card.id for suggestion in wrong.suggestions)}
    unseen = [card for card in order if card not in shown]
    after = [card.id for card in more_cards.page(answering, Learned(), "guild", 0, without=wrong.card.id).suggestions]
    assert unseen[0] in after  # past the runners-up under the answer, first among the cards after a 👎
    assert asked_further(wrong, unseen[0], answering, Learned()) == (True, wrong.card.id)
    assert asked_further(wrong, order[-1], answering, Learned()) == (False, wrong.card.id)  # voted down all the same


def test_a_card_found_with_more_is_learned_in_round_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = guild_cards(tmp_path / "knowledge")
    monkeypatch.setenv("KNOWLEDGE_DIR", str(folder))
    monkeypatch.setenv("MATCH_THRESHOLD", "90")
    monkeypatch.setenv("MATCH_MARGIN", "0")
    engine = Engine(load_knowledge_strict(folder), threshold=90.0, margin=0.0)
    fourth = more_cards.offers(engine, Learned(), "guild")[3].card.id
    eval_file = folder / "guild.yaml"
    eval_file.write_text(
        "thresholds: {in_scope_accuracy: 0.5, out_of_scope_recall: 0.5}\n"
        f"in_scope:\n  - {{question: guild, card: {fourth}}}\nout_of_scope:\n  - what is the capital of peru\n",
        encoding="utf-8",
    )
    eval_set, _ = EvalSet.load(eval_file)
    assert eval_set is not None
    result = asyncio.run(replay(load_settings(), eval_file, eval_set))
    assert (result.round_one.in_scope_correct, result.learned, result.round_two.in_scope_correct) == (0, 1, 1)
