"""The index: built once from the cards, never changed after, cached whole and keyed on what builds it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from bot.cards import KnowledgeBase
from bot.engine import Engine, built, index_key, matcher
from bot.engine.built import Index
from bot.engine.cache import package_digest


def test_the_cache_reads_back_the_whole_index(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    fresh = Engine(knowledge, cache_dir=tmp_path).index
    read = Engine(knowledge, cache_dir=tmp_path).index
    assert isinstance(read, Index)
    assert read is not fresh
    for field in dataclasses.fields(Index):
        made, kept = getattr(fresh, field.name), getattr(read, field.name)
        if isinstance(made, np.ndarray):
            assert np.array_equal(made, kept), field.name
        elif field.name in ("phrase_words", "phrase_chars", "card_words", "card_chars"):
            assert made.features == kept.features, field.name
            arrays = {name: value for name, value in vars(made).items() if isinstance(value, np.ndarray)}
            assert arrays, field.name
            for name, array in arrays.items():
                assert np.array_equal(array, getattr(kept, name)), f"{field.name}.{name}"
        elif field.name not in ("vocabulary", "linear"):
            assert made == kept, field.name
    assert read.vocabulary.counts == fresh.vocabulary.counts
    assert read.calibration is not None


def test_the_index_cannot_be_changed_after_its_build(engine: Engine) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        engine.index.trained_weight = 0.5  # type: ignore[misc]
    assert not hasattr(engine.index, "__dict__")  # slots: nothing can be added to it either


def test_the_engine_keeps_only_query_time_state_beside_its_index(engine: Engine) -> None:
    # `_learned`: where the learned phrasings lie among the index's phrases, worked out from the cards as `_card_index`.
    kept = {"knowledge", "cards", "_card_index", "_kinds", "_learned", "index", "threshold", "margin"}
    assert set(vars(engine)) == kept


def test_the_index_is_keyed_on_the_package_that_builds_and_queries_it() -> None:
    """A change to any module beside the build (the engine that queries, the key itself) makes an entry stale."""
    folder = Path(built.__file__).parent
    assert Path(matcher.__file__).parent == Path(index_key.__file__).parent == folder
    assert index_key._built_by().startswith(package_digest(folder))
