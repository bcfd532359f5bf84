"""What a reply offers beside its decision: more cards where the ranking is not clear, a few at most."""

from bot.cards.model import Card, CardSource
from bot.engine import Engine, Suggestion, offers


def card(card_id: str) -> Card:
    return Card(id=card_id, questions=(f"what is {card_id}?",), answer="An answer.", source=CardSource(document="x"))


def ranked(*scores: float, related: bool = True) -> list[Suggestion]:
    return [Suggestion(card(f"c{n}"), score, related) for n, score in enumerate(scores)]


def ids(suggestions: tuple[Suggestion, ...]) -> list[str]:
    return [suggestion.card.id for suggestion in suggestions]


def test_a_decline_offers_three_cards_at_most_however_alike_they_score() -> None:
    assert ids(offers.did_you_mean(ranked(14.7, 8.8, 8.8, 8.8, 8.3, 8.0))) == ["c0", "c1", "c2"]
    assert ids(offers.did_you_mean(ranked(30.0, 20.0))) == ["c0", "c1"]


def test_a_decline_never_offers_a_stray_card() -> None:
    """A card that shares nothing with the question and scores under the floor is no "did you mean"."""
    stray = ranked(10.0, 9.0, 8.0, 7.0, 6.0, related=False)
    assert offers.did_you_mean(stray) == ()
    mixed = [*ranked(10.0), *ranked(9.0, related=False)[:1]]
    assert len(offers.did_you_mean(mixed)) == 1


def test_an_answer_offers_the_runners_up_that_score_at_least_its_share() -> None:
    scores = ranked(40.0, 19.0, 17.0, 15.0)
    answer = scores[0].card
    share = offers.CLOSE_SHARE * 40.0
    assert ids(offers.runners_up(answer, scores)) == [s.card.id for s in scores[1:] if s.score >= share][:2]
    assert offers.runners_up(answer, ranked(40.0, 10.0)) == ()  # far behind: a clear answer stands alone
    assert len(offers.runners_up(answer, ranked(40.0, 39.0, 38.0, 37.0))) == offers.CLOSE_MAX


def test_a_clause_s_runners_up_come_first_then_the_message_s_once_each() -> None:
    message = ranked(10.0, 9.0, 8.0)  # the whole message's ranking: c0 is the answer, decided on a clause
    clause = (Suggestion(card("other"), 20.0), message[1])
    assert ids(offers.runners_up(message[0].card, message, clause)) == ["other", "c1"]


def test_a_long_message_answered_from_a_clause_offers_the_message_s_closest_cards(engine: Engine) -> None:
    """The clause "where do i pick my roles" answers it; the events card, close to the whole message (its
    tournament), is offered under the answer though the clause alone leaves it far behind."""
    message = (
        "so i spent all weekend reading the wiki and watching videos about the tournament. where do i pick my roles"
    )
    strict = Engine(engine.knowledge, threshold=engine.rank(message)[0].score + 10.0, margin=engine.margin)
    match = strict.answer(message)
    assert match.decided_on == "where do i pick my roles"
    assert match.card is not None
    assert match.card.id == "roles"
    assert "events" not in ids(offers.runners_up(match.card, strict.rank(match.decided_on)))
    assert ids(match.suggestions) == ["events"]
