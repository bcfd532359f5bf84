import pickle

import numpy as np
import pytest

from bot.engine import linear
from bot.engine.linear import LinearModel

CARDS = {
    "reset password": [
        "how do i reset my password",
        "forgot my password",
        "change the password of my account",
        "password reset link does not arrive",
        "i cannot remember my password",
        "where do i set a new password",
        "reset my login password",
        "lost password help",
    ],
    "delete account": [
        "how do i delete my account",
        "remove my account for good",
        "close my account",
        "i want to delete my profile",
        "erase all my data and the account",
        "how can i cancel my account",
        "delete user account",
        "get rid of my account",
    ],
    "billing": [
        "why was i charged twice",
        "where can i see my invoices",
        "update my credit card",
        "how much does the plan cost",
        "refund for last month",
        "change billing address",
        "payment failed",
        "download a receipt",
    ],
    "export data": [
        "export my data",
        "download all my messages",
        "backup of my history",
        "get a copy of my files",
    ],
}


def blocks(text: str) -> tuple[dict[str, float], dict[str, float]]:
    words = text.split()
    chars: dict[str, float] = {}
    for word in words:
        padded = f" {word} "
        for i in range(len(padded) - 2):
            chars[padded[i : i + 3]] = chars.get(padded[i : i + 3], 0.0) + 1.0
    return {word: 1.0 for word in words}, chars


def training() -> tuple[list[tuple[dict[str, float], dict[str, float]]], list[int]]:
    rows, labels = [], []
    for label, phrases in enumerate(CARDS.values()):
        for phrase in phrases:
            rows.append(blocks(phrase))
            labels.append(label)
    return rows, labels


@pytest.fixture(scope="module")
def model() -> LinearModel:
    rows, labels = training()
    return LinearModel.train(rows, labels, len(CARDS))


def best(model: LinearModel, text: str) -> str:
    return list(CARDS)[int(np.argmax(model.scores(blocks(text))))]


def test_every_training_phrase_scores_its_own_card_first(model: LinearModel) -> None:
    for card, phrases in CARDS.items():
        for phrase in phrases:
            assert best(model, phrase) == card, phrase


@pytest.mark.parametrize(
    ("question", "card"),
    [
        ("i forgot the password to my account", "reset password"),
        ("please delete my account", "delete account"),
        ("i was charged for the plan twice", "billing"),
        ("can i download a copy of my data", "export data"),  # the card with only four phrases
        ("pasword reset", "reset password"),  # a typo still shares character n-grams
    ],
)
def test_new_wordings_find_their_card(model: LinearModel, question: str, card: str) -> None:
    assert best(model, question) == card


def test_scores_one_per_class(model: LinearModel) -> None:
    scores = model.scores(blocks("delete my account"))
    assert scores.shape == (len(CARDS),)
    assert scores.dtype == np.float64


def test_empty_and_unknown_queries_score_zero(model: LinearModel) -> None:
    assert not model.scores(({}, {})).any()
    assert not model.scores(()).any()
    assert not model.scores(({"zyzzyva": 1.0}, {"zzz": 1.0})).any()


def test_unknown_words_lower_the_score(model: LinearModel) -> None:
    plain = model.scores(blocks("delete account"))
    padded = model.scores(blocks("delete account quasar nebula pulsar"))
    assert padded.max() < plain.max()
    assert int(np.argmax(padded)) == int(np.argmax(plain))


def test_training_is_deterministic() -> None:
    rows, labels = training()
    first = LinearModel.train(rows, labels, len(CARDS))
    second = LinearModel.train(rows, labels, len(CARDS))
    assert np.array_equal(first.weights, second.weights)


def test_a_word_can_speak_against_a_card(model: LinearModel) -> None:
    # "password" is only in the reset card's phrases: it should weigh for that card and against the others.
    row = model.weights[model.vocabularies[0]["password"]]
    assert row[0] > 0
    assert (row[1:] < 0).all()


def test_survives_pickling(model: LinearModel) -> None:
    restored = pickle.loads(pickle.dumps(model))
    query = blocks("update my credit card")
    assert np.array_equal(restored.scores(query), model.scores(query))


def test_a_single_card_has_nothing_to_learn() -> None:
    model = LinearModel.train([blocks("how do i reset my password")], [0], 1)
    assert model.scores(blocks("reset password")).tolist() == [0.0]


def test_a_class_without_phrases_is_never_first() -> None:
    model = LinearModel.train([blocks("reset password"), blocks("delete account")], [0, 2], 3)
    scores = model.scores(blocks("reset password delete account"))
    assert scores[1] < min(scores[0], scores[2])


def test_no_phrases_at_all() -> None:
    model = LinearModel.train([], [], 2)
    assert model.scores(blocks("anything")).tolist() == [0.0, 0.0]


def test_weights_are_one_row_per_feature(model: LinearModel) -> None:
    assert model.weights.shape == (len(model.idf), len(CARDS))
    assert model.weights.dtype == np.float32


def test_fits_counts_features_times_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    rows, _ = training()
    n_features = len({word for row in rows for word in row[0]}) + len({gram for row in rows for gram in row[1]})
    monkeypatch.setattr(linear, "WEIGHTS_MAX", n_features * len(CARDS))
    assert LinearModel.fits(rows, len(CARDS))
    assert not LinearModel.fits(rows, len(CARDS) + 1)


def test_rejects_mismatched_labels() -> None:
    with pytest.raises(ValueError, match="labels"):
        LinearModel.train([blocks("a b")], [0, 1], 2)
    with pytest.raises(ValueError, match="labels must lie"):
        LinearModel.train([blocks("a b")], [5], 2)
