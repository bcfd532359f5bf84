from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cards import KnowledgeBase, load_knowledge_strict
from bot.engine import Engine
from bot.settings import Settings
from tests.store.postgres import postgres_server

FIXTURE_KNOWLEDGE = Path(__file__).parent / "fixtures" / "knowledge"
SHIPPED_KNOWLEDGE = Path(__file__).parent.parent / "knowledge"


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    return load_knowledge_strict(FIXTURE_KNOWLEDGE)


@pytest.fixture(scope="session")
def engine(knowledge: KnowledgeBase) -> Engine:
    """The engine as the bot ships it: threshold, margin and trained part as the default settings choose them (the
    defaults as written, whatever this machine's environment or .env file sets)."""
    defaults = Settings.model_construct()
    return Engine(knowledge, defaults.match_threshold, defaults.match_margin, defaults.match_trained_weight)


@pytest.fixture(autouse=True, scope="session")
def _index_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Commands and child processes the tests start keep their built indexes here, not in the user's cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INDEX_CACHE_DIR", str(tmp_path_factory.mktemp("index-cache")))
        yield


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL server for the whole run (the store's tests, and bot processes sharing one)."""
    try:
        with postgres_server() as url:
            yield url
    except RuntimeError as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
