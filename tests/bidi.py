"""A copy of the fixture cards with one card, and a source, written with bidirectional controls."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.visible import BIDI_CONTROLS
from tests.conftest import FIXTURE_KNOWLEDGE

RLO, PDF, LRI, RLI, PDI, LRM = "\u202e", "\u202c", "\u2066", "\u2067", "\u2069", "\u200e"
QUESTION = "How do I switch the lights on?"
CARD = f"""---
questions:
  - How do I switch the {RLO}lights{PDF} on?
  - turn on the lights
source:
  document: handbook
  section: {RLI}Lights{PDI}
---
Flip the {LRI}switch{PDI} by the door, {RLO}then wait{PDF}.{LRM}
"""


def knowledge_with_controls(tmp_path: Path) -> Path:
    root = Path(shutil.copytree(FIXTURE_KNOWLEDGE, tmp_path / "knowledge"))
    (root / "cards" / "server" / "lights.md").write_text(CARD, encoding="utf-8")
    sources = root / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace("Community", f"{RLO}Community{PDF}"))
    return root


def controls_in(text: str) -> set[str]:
    return {char for char in text if char in BIDI_CONTROLS}
