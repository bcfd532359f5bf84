"""`faqbot import`: CSV, TSV, QnA Maker's export and Markdown FAQs into cards that pass the checks and answer."""

import datetime
import shutil
from pathlib import Path

import pytest

from bot.cards import load_knowledge, load_knowledge_strict
from bot.cards.importer import ImportRefusedError, import_faq
from bot.cli import main
from bot.engine import Engine
from tests.conftest import FIXTURE_KNOWLEDGE

CSV = """question,answer,alternates,source,tags
How do I reset my password?,"Use the **reset link** on the sign-in page.",forgot my password|cannot log in,,account
How do I close my account for good?,"Ask an admin, who closes it within a day.",,https://example.org/help#close,account
a row with too few fields,only two
What is the refund policy?,Refunds are given within 30 days of purchase.,refund,,billing
Who do I ask about moderation?,Ask [everyone](!channel) in the help channel.,,,
"""
QNA_HEADER = "Question\tAnswer\tSource\tMetadata\tSuggestedQuestions\tIsContextOnly\tPrompts\tQnaId\n"
QNA_MAKER = QNA_HEADER + "".join(
    f"{question}\t{answer}\t{source}\t{metadata}\t[]\tfalse\t[]\t{qna_id}\n"
    for question, answer, source, metadata, qna_id in [
        ("When is the weekly server maintenance?", "Every Tuesday at 03:00 UTC.", "Editorial", "category:ops", 1),
        ("when is the downtime", "Every Tuesday at 03:00 UTC.", "Editorial", "category:ops", 1),
        ("How do I report a bug in the game?", "Open an issue with steps.", "https://example.org/bugs", "", 2),
    ]
)
MARKDOWN = """# Acme FAQ

Welcome, read on.

## Billing

### How do I pay my invoice?

Pay by card from the **Billing** page.

```
# a comment in code, not a heading
```

### Can I get a paper receipt?

## Accounts

### How do I change my email address?

Open *Settings*, then *Profile*, and edit it.
"""
TODAY = datetime.date(2026, 12, 7)


@pytest.fixture
def faq(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge")
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def answered_with(root: Path, question: str) -> str | None:
    engine = Engine(load_knowledge_strict(root))
    match = engine.answer(question)
    return match.card.id if match.answered and match.card else None


def test_a_csv_becomes_cards_that_pass_the_checks_and_answer(faq: Path) -> None:
    root = faq / "knowledge"
    result = import_faq(write(faq, "help.csv", CSV), root, today=TODAY)
    assert [str(problem) for problem in result.problems] == [
        "help.csv:4: 2 fields where the header has 5: left out",
        "help.csv:5: question 'refund' is too short to match safely (use 2+ words): left out",
        "help.csv:6: link to '!channel': only http, https and mailto links are kept (others show as plain text; "
        "on Slack '!channel' or '@U…' would ping): left out",
    ]
    knowledge = load_knowledge_strict(root)
    reset = knowledge.cards["how-do-i-reset-my-password"]
    assert reset.path == root / "cards" / "help" / "how-do-i-reset-my-password.md"
    assert reset.questions == ("How do I reset my password?", "forgot my password", "cannot log in")
    assert (reset.tags, reset.source.document, reset.source.section) == (("account",), "help", reset.title)
    closing = knowledge.cards["how-do-i-close-my-account-for-good"]
    assert (closing.source.document, closing.source.url) == (None, "https://example.org/help#close")
    assert knowledge.sources["help"].title == "help.csv"
    assert knowledge.sources["help"].retrieved == "2026-12-07"
    assert answered_with(root, "i forgot my password, how do i reset it?") == "how-do-i-reset-my-password"


def test_qna_makers_export_merges_the_rows_of_one_answer(faq: Path) -> None:
    root = faq / "knowledge"
    result = import_faq(write(faq, "kb.tsv", QNA_MAKER), root)
    assert result.problems == []
    knowledge = load_knowledge_strict(root)
    maintenance = knowledge.cards["when-is-the-weekly-server-maintenance"]
    assert maintenance.questions == ("When is the weekly server maintenance?", "when is the downtime")
    assert (maintenance.tags, maintenance.source.section) == (("ops",), "Editorial")
    assert knowledge.cards["how-do-i-report-a-bug-in-the-game"].source.url == "https://example.org/bugs"
    assert answered_with(root, "when does the server maintenance happen") == maintenance.id


def test_a_markdown_faq_takes_its_headings_as_questions(faq: Path) -> None:
    root = faq / "knowledge"
    result = import_faq(write(faq, "acme.md", MARKDOWN), root)
    assert [str(problem) for problem in result.problems] == [
        "acme.md:3: warning: text under no question heading: left out",
        "acme.md:15: no answer under 'Can I get a paper receipt?': left out",
    ]
    knowledge = load_knowledge_strict(root)
    pay = knowledge.cards["how-do-i-pay-my-invoice"]
    assert pay.answer.startswith("Pay by card")
    assert "# a comment in code" in pay.answer
    assert pay.tags == ("billing",)
    assert knowledge.cards["how-do-i-change-my-email-address"].tags == ("accounts",)
    assert knowledge.sources["acme"].title == "Acme FAQ"
    assert answered_with(root, "how can i pay an invoice") == pay.id


def test_a_markdown_faq_of_bold_or_q_lines_takes_them_as_questions(faq: Path) -> None:
    text = (
        "# Club FAQ\n\n**Q: When do meetings happen?**\nA: Every second Tuesday at 7pm in the library.\n\n"
        "__How much is the membership fee?__\n\nTwenty pounds a year, paid at the first meeting.\n\n"
        "Q: Can I bring a guest?\n**A:** Yes, twice a year.\n"
    )
    root = faq / "knowledge"
    result = import_faq(write(faq, "club.md", text), root)
    assert result.problems == []
    knowledge = load_knowledge_strict(root)
    imported = [card for card in knowledge.cards.values() if card.source.document == "club"]
    assert {card.title: card.answer for card in imported} == {
        "When do meetings happen?": "Every second Tuesday at 7pm in the library.",
        "How much is the membership fee?": "Twenty pounds a year, paid at the first meeting.",
        "Can I bring a guest?": "Yes, twice a year.",
    }
    assert knowledge.sources["club"].title == "Club FAQ"


def test_an_import_never_repeats_a_question_and_never_replaces_a_card(faq: Path) -> None:
    root = faq / "knowledge"
    path = write(faq, "help.csv", CSV)
    import_faq(path, root)
    files = {card.path: card.path.read_text() for card in load_knowledge_strict(root).cards.values() if card.path}
    again = import_faq(path, root)
    assert again.cards == {}
    assert "help.csv:2: question 'How do I reset my password?' is already on card 'how-do-i-reset-my-password'" in [
        str(problem).removesuffix(": left out") for problem in again.problems
    ]
    assert {path: path.read_text() for path in files} == files
    assert set(load_knowledge_strict(root).sources) == {"handbook", "faq", "help"}  # nothing imported: no entry


def test_a_dry_run_writes_nothing_and_a_new_folder_is_made(faq: Path) -> None:
    path = write(faq, "acme.md", MARKDOWN)
    dry = import_faq(path, faq / "new", dry_run=True)
    assert not (faq / "new").exists()
    assert sorted(p.name for p in dry.cards) == ["how-do-i-change-my-email-address.md", "how-do-i-pay-my-invoice.md"]
    real = import_faq(path, faq / "new")
    assert sorted(real.cards) == sorted(dry.cards)
    knowledge, problems = load_knowledge(faq / "new")
    assert problems == []
    assert len(knowledge.cards) == 2


def test_a_faq_the_importer_cannot_read_is_refused_in_plain_words(faq: Path) -> None:
    with pytest.raises(ImportRefusedError, match=r"unknown FAQ format '\.xlsx'"):
        import_faq(write(faq, "kb.xlsx", "x"), faq / "knowledge")
    result = import_faq(write(faq, "kb.csv", "q,text\nhello there,hi\n"), faq / "knowledge")
    assert [str(problem) for problem in result.problems] == [
        "kb.csv:1: no answer column: the header needs 'question' and 'answer' (it has 'q', 'text')"
    ]
    with pytest.raises(ImportRefusedError, match=r"missing\.csv: no such file"):
        import_faq(faq / "missing.csv", faq / "knowledge")
    (faq / "bad.md").write_bytes(b"# FAQ\n\n## Why \xff?\n\nBecause.\n")
    with pytest.raises(ImportRefusedError, match=r"bad.md:3: not UTF-8 text"):
        import_faq(faq / "bad.md", faq / "knowledge")


def test_the_import_command_reports_by_line_and_exits_as_the_others_do(
    faq: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KNOWLEDGE_DIR", str(faq / "knowledge"))
    assert main(["import", str(write(faq, "help.csv", CSV)), "--dry-run"]) == 1
    out, err = capsys.readouterr()
    assert "help.csv:4: 2 fields where the header has 5: left out" in err
    assert "would write knowledge/cards/help/how-do-i-reset-my-password.md: How do I reset my password?" in out
    assert not (faq / "knowledge" / "cards" / "help").exists()
    assert main(["import", str(write(faq, "kb.tsv", QNA_MAKER))]) == 0
    assert "2 card(s) imported from kb.tsv, citing source 'kb' in knowledge/sources.yaml" in capsys.readouterr().out
    assert main(["import", str(write(faq, "kb.json", "{}"))]) == 1
    assert main(["check"]) == 0
