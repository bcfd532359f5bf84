"""The knowledge model: sources, cards and the immutable knowledge base built from them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ANSWER_MAX_CHARS = 4096  # Discord's embed description limit
ANSWER_AIM_CHARS = 1000


WEB_ADDRESS = r"^https?://\S+$"


class Source(BaseModel):
    """A document the cards cite, or a web page or chat message known only by its address (a URL and no title)."""

    # Each model's validator is built at its first validation, not at import: a start that reads the loaded cards
    # back from the card snapshot validates nothing (0.01-0.09 s and 1.7 MB less to a first answer).
    model_config = ConfigDict(frozen=True, extra="forbid", title="a source", defer_build=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str | None = Field(default=None, min_length=1)
    url: str | None = Field(default=None, pattern=WEB_ADDRESS)
    published: str | None = None
    retrieved: str | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _named(self) -> Source:
        if self.title is None and self.url is None:
            raise ValueError("give it a title, a url (of a web page or a chat message), or both")
        return self

    @property
    def name(self) -> str:
        """What a reply shows for it: the title, else the address."""
        return self.title or self.url or self.id


class CardSource(BaseModel):
    """What a card cites: a document of sources.yaml, or a web page or chat message by its address, which needs no
    entry there (an answer captured from chat cites the message's link)."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="source", defer_build=True)
    SHAPE: ClassVar[str] = (
        "a mapping with 'document' or 'url' (and for a url an optional 'title'), and optional 'section'"
    )
    EXAMPLE: ClassVar[str] = "source: {document: handbook, section: Roles}"

    document: str | None = Field(default=None, min_length=1)
    url: str | None = Field(default=None, pattern=WEB_ADDRESS)
    title: str | None = Field(default=None, min_length=1)
    section: str | None = None

    @model_validator(mode="after")
    def _one_citation(self) -> CardSource:
        if (self.document is None) == (self.url is None):
            raise ValueError("give either 'document' (an id from sources.yaml) or 'url' (a web address), not both")
        if self.title is not None and self.document is not None:
            raise ValueError("'title' is for a url; a document's title is in sources.yaml")
        return self


class CardFront(BaseModel):
    """What a card file's front matter may hold; the body after it is the answer."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="a card", defer_build=True)

    # Empty defaults from factories: pydantic deep-copies a default list for every card that leaves it out.
    questions: list[str] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    source: CardSource
    related: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    synonyms: dict[str, str] = Field(default_factory=dict)
    # An overview card: the ids of the cards that each answer one part of what it sums up ("the main criticisms").
    covers: list[str] = Field(default_factory=list)
    id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]*$")  # last: rarely needed, the file names it

    @field_validator("questions", "tags", "keywords", mode="after")
    @classmethod
    def _strip(cls, values: list[str]) -> list[str]:
        return [value.strip() for value in values]


@dataclass(frozen=True)
class Card:
    id: str
    questions: tuple[str, ...]
    answer: str
    source: CardSource
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    synonyms: Mapping[str, str] = field(default_factory=dict)
    path: Path | None = None
    covers: tuple[str, ...] = ()  # an overview: the cards it sums up
    # Phrasings members taught the bot (live in the store, not yet in the file): matched as the card's phrasings, but
    # not counted among the words the card itself holds, so a near miss is still told apart from a question it answers.
    learned: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.questions[0]

    @property
    def asked(self) -> tuple[str, ...]:
        """Every phrasing a question is matched against: the card's own, then the learned ones."""
        return (*self.questions, *self.learned)


@dataclass(frozen=True)
class KnowledgeBase:
    sources: Mapping[str, Source]
    cards: Mapping[str, Card]

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        object.__setattr__(self, "cards", MappingProxyType(dict(self.cards)))

    def source_of(self, card: Card) -> Source | None:
        """The sources.yaml entry the card cites; None for a card that cites a web address directly."""
        return self.sources[card.source.document] if card.source.document is not None else None

    def by_tag(self) -> dict[str, list[Card]]:
        """Cards grouped by their first tag (untagged under "general"), one entry a card."""
        groups: dict[str, list[Card]] = {}
        for card in self.cards.values():
            groups.setdefault(card.tags[0] if card.tags else "general", []).append(card)
        return dict(sorted(groups.items()))
