"""Fixtures shared by the card loader's tests."""

from pathlib import Path

import pytest

from bot.cards import loader


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the card files parsed, in order."""
    names: list[str] = []
    parse = loader._parse_card

    def counted(path: Path, *args: object) -> object:
        names.append(path.name)
        return parse(path, *args)

    monkeypatch.setattr(loader, "_parse_card", counted)
    return names
