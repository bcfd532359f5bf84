"""Sources that are web pages or chat messages: a sources.yaml entry with a url and no title, and a card citing an
address directly, checked as strictly as a document and shown by every reply."""

from pathlib import Path

import pytest

from bot.cards import load_knowledge
from bot.engine import Match, Outcome
from bot.replies import as_json, card_reply, reply_for

URL = "https://discord.com/channels/1/2/3"
CARD = """---
questions:
  - How do I reset my password?
  - forgot my password
source: {SOURCE}
---
Use the reset link on the sign-in page.
"""


@pytest.fixture(autouse=True)
def run_beside_the_knowledge(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def make(tmp_path: Path, source: str, sources: str = "- id: doc\n  title: A Document\n") -> Path:
    root = tmp_path / "knowledge"
    (root / "cards").mkdir(parents=True)
    (root / "sources.yaml").write_text(sources)
    (root / "cards" / "reset.md").write_text(CARD.replace("{SOURCE}", source))
    return root


def problems(root: Path) -> list[str]:
    return [str(problem) for problem in load_knowledge(root)[1]]


def test_a_card_may_cite_a_web_address_and_its_reply_links_it(tmp_path: Path) -> None:
    root = make(tmp_path, f"{{url: '{URL}', title: 'Alice in #help', section: '2026-12-07'}}")
    knowledge, found = load_knowledge(root)
    assert found == []
    card = knowledge.cards["reset"]
    reply = card_reply(card, knowledge)
    assert reply.source is not None
    assert (reply.source.document, reply.source.url, reply.source.label()) == (None, URL, "Alice in #help, 2026-12-07")
    answered = reply_for(Match(card.title, Outcome.ANSWERED, 100.0, card), knowledge)  # a question matched to it
    assert as_json(answered)["source"] == {
        "document": None,
        "title": "Alice in #help",
        "section": "2026-12-07",
        "url": URL,
    }


def test_a_cited_address_without_a_title_is_shown_as_the_address(tmp_path: Path) -> None:
    knowledge, _ = load_knowledge(make(tmp_path, f"{{url: '{URL}'}}"))
    assert card_reply(knowledge.cards["reset"], knowledge).source.label() == URL  # type: ignore[union-attr]


def test_a_source_entry_may_be_an_address_with_no_title(tmp_path: Path) -> None:
    sources = f"- id: thread\n  url: {URL}\n"
    knowledge, found = load_knowledge(make(tmp_path, "{document: thread}", sources))
    assert found == []
    assert knowledge.sources["thread"].name == URL
    assert card_reply(knowledge.cards["reset"], knowledge).source.label() == URL  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            f"{{document: doc, url: '{URL}'}}",
            "source: give either 'document' (an id from sources.yaml) or 'url' (a web address), not both",
        ),
        ("{section: Passwords}", "source: give either 'document' (an id from sources.yaml) or 'url'"),
        ("{url: 'ftp://example.org/faq'}", "source: url 'ftp://example.org/faq': use a web address starting with"),
        ("{document: doc, title: Mine}", "source: 'title' is for a url; a document's title is in sources.yaml"),
    ],
)
def test_a_citation_is_checked_strictly_in_plain_words(tmp_path: Path, source: str, message: str) -> None:
    found = problems(make(tmp_path, source))
    assert len(found) == 1
    assert found[0].startswith(f"knowledge/cards/reset.md:5: {message}")


def test_a_source_entry_needs_a_title_or_an_address(tmp_path: Path) -> None:
    found = problems(make(tmp_path, "{document: doc}", "- id: doc\n  notes: nothing to show\n"))
    assert "knowledge/sources.yaml:1: a source: give it a title, a url (of a web page or a chat message), or both" in (
        found
    )
