from pathlib import Path

import pytest

from bot.cards import KnowledgeBase, load_knowledge_strict
from bot.engine import Engine

FIXTURE_KNOWLEDGE = Path(__file__).parent / "fixtures" / "knowledge"
SHIPPED_KNOWLEDGE = Path(__file__).parent.parent / "knowledge"


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return load_knowledge_strict(FIXTURE_KNOWLEDGE)


@pytest.fixture(scope="session")
def engine(knowledge: KnowledgeBase) -> Engine:
    return Engine(knowledge, threshold=40.0, margin=3.0)
