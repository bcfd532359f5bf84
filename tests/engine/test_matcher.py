import string
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cards import KnowledgeBase
from bot.cards.model import Card, CardSource
from bot.engine import Engine, Outcome, built, matcher, offers


@pytest.mark.parametrize(
    ("question", "card"),
    [
        ("How do I get a role?", "roles"),  # a card's own question
        ("how do i get a rolez", "roles"),  # card synonym
        ("<@123> install pyhton pls 🙏", "python-install"),  # mention, typo, emoji
        ("HOW DO I MAKE A VENV", "virtualenv"),  # caps and a synonym
        ("which roles can i pick", "roles"),
        ("any tournamnet soon??", "events"),
    ],
)
def test_answers_the_matching_card(engine: Engine, question: str, card: str) -> None:
    match = engine.answer(question)
    assert match.answered, match
    assert match.card is not None
    assert match.card.id == card


@pytest.mark.parametrize(
    "question",
    [
        "hi",
        "lol",
        "thanks!",
        "thanks bot!",
        "good bot",
        "have a great weekend",
        "what's the weather like today",
        "🍕🍕🍕",
        "?",
    ],
)
def test_declines_chit_chat_and_other_topics(engine: Engine, question: str) -> None:
    match = engine.answer(question)
    assert not match.answered
    assert match.card is None


@pytest.mark.parametrize(
    "padded",
    [
        "ngl which roles can i pick",
        "honestly which roles can i pick",
        "afaik which roles can i pick",
        "which roles can i pick bc",
        "hey bot, which roles can i pick",  # the word that addresses the bot
        "bot which roles can i pick",
        "which roles can i pick bot?",
        "which roles can i pick w/ u",  # a lone letter no card uses
        "which roles can i pick today",  # when it is asked, not what about
        "which roles can i pick tonight",
        "sorry if dumb q but which roles can i pick",  # a hedge said before the question
    ],
)
def test_chat_filler_changes_no_score(engine: Engine, padded: str) -> None:
    plain = engine.rank("which roles can i pick")
    assert [(s.card.id, s.score) for s in engine.rank(padded)][:3] == [(s.card.id, s.score) for s in plain][:3]


def test_an_idiom_s_noun_changes_no_score(engine: Engine) -> None:
    plain = engine.rank("what's with the roles")
    assert plain
    assert engine.rank("what's the deal with the roles") == plain


@pytest.mark.parametrize("word", ["b", "noob", "bc"])
def test_filler_a_card_uses_still_counts(knowledge: KnowledgeBase, word: str) -> None:
    card = replace(knowledge.cards["roles"], keywords=(f"{word} roles",))
    engine = Engine(replace(knowledge, cards={**knowledge.cards, "roles": card}))
    assert engine.rank(word)[0].card.id == "roles"  # a server may have a "noob" channel, or be in BC


def test_a_long_message_is_answered_by_the_question_inside_it(engine: Engine) -> None:
    message = (
        "so i spent all weekend reading the wiki and watching videos about the tournament. where do i pick my roles"
    )
    match = engine.answer(message)
    assert match.answered
    assert match.card is not None
    assert match.card.id == "roles"
    assert match.question == message
    # Where the whole message, mostly context, scores under the threshold, the clause that asks answers it.
    whole = engine.rank(message)[0].score
    strict = Engine(engine.knowledge, threshold=whole + 10.0, margin=engine.margin)
    clause = strict.answer(message)
    assert clause.answered
    assert clause.card is not None
    assert clause.card.id == "roles"
    assert clause.decided_on == "where do i pick my roles"


def test_a_long_message_with_no_answerable_clause_is_declined(engine: Engine) -> None:
    message = (
        "so i spent all weekend at the beach with my cousins, the weather was great but the traffic back was awful"
    )
    assert not engine.answer(message).answered


def test_only_a_clause_that_asks_something_speaks_for_a_long_message(engine: Engine) -> None:
    context = "so i spent all weekend reading the wiki and watching videos about the tournament. "
    assert engine.answer(context + "where do i pick my roles").answered
    assert not engine.answer(context + "i pick my roles later").answered  # the same words, told rather than asked


def test_an_off_topic_question_in_a_long_message_is_declined(engine: Engine) -> None:
    message = "my cat keeps knocking things off the table and it is driving me nuts. what should i do about it"
    assert not engine.answer(message).answered


def test_only_long_messages_are_split_into_clauses() -> None:
    assert matcher.clauses("how do i get a role, and where are the rules") == []
    assert matcher.clauses("ok so i read it all, twice even, but i still wonder: how do i get a role?") == [
        "i read it all",
        "i still wonder: how do i get a role?",
    ]
    assert matcher.clauses("hi all\nim new here and lurked for weeks\nwhere are the rules") == [
        "im new here and lurked for weeks",
        "where are the rules",
    ]


def test_a_long_message_is_tried_in_at_most_a_few_distinct_clauses() -> None:
    message = " ".join(f"clause number {n} here," for n in range(40))
    kept = matcher.clauses(message)
    assert len(kept) == matcher.CLAUSES_MAX
    assert kept[-1] == "clause number 39 here,"
    assert matcher.clauses("i went home but " * 80) == ["i went home"]


def with_card(knowledge: KnowledgeBase, card_id: str, questions: tuple[str, ...]) -> tuple[Engine, Card]:
    """An engine on the fixture cards and one more, with these questions."""
    card = Card(id=card_id, questions=questions, answer="An answer.", source=CardSource(document="handbook"))
    return Engine(replace(knowledge, cards={**knowledge.cards, card_id: card})), card


def test_small_talk_is_answered_where_a_card_is_there_for_it(knowledge: KnowledgeBase) -> None:
    engine, greeting = with_card(knowledge, "greeting", ("good morning", "hello everyone", "hey there bot"))
    assert engine.answer("good morning bot").card == greeting
    assert Engine(knowledge).answer("good morning bot").outcome is Outcome.EMPTY


def test_small_talk_stays_small_talk_beside_a_card_for_other_small_talk(knowledge: KnowledgeBase) -> None:
    engine, greeting = with_card(knowledge, "greeting", ("good morning", "who runs the morning bot"))
    assert engine.answer("good morning!!").card == greeting
    assert engine.answer("thanks bot").outcome is Outcome.EMPTY  # "bot" is small talk still: not the card's


def test_a_question_with_a_small_talk_word_is_no_small_talk(knowledge: KnowledgeBase) -> None:
    engine, week = with_card(knowledge, "week-one", ("What happens in week one?", "week one schedule"))
    assert engine.answer("week one").card == week


def test_exact_question_scores_full(engine: Engine) -> None:
    match = engine.answer("what are the SERVER rules??")
    assert match.outcome is Outcome.ANSWERED
    assert match.score == 100.0


def test_no_words_is_empty(engine: Engine) -> None:
    assert engine.answer("  <@123> 👀 ").outcome is Outcome.EMPTY


def test_threshold_declines_with_suggestions(knowledge: KnowledgeBase) -> None:
    strict = Engine(knowledge, threshold=99.0, margin=0.0)
    match = strict.answer("installing python on my laptop")
    assert match.outcome is Outcome.LOW_SCORE
    assert match.suggestions
    assert match.suggestions[0].card.id == "python-install"
    assert len(match.suggestions) <= 3


def test_margin_declines_when_two_cards_are_close(knowledge: KnowledgeBase) -> None:
    lenient = Engine(knowledge, threshold=0.0, margin=0.0)
    question = "python install virtual environment"
    ranked = lenient.rank(question)
    gap = ranked[0].score - ranked[1].score
    assert {ranked[0].card.id, ranked[1].card.id} == {"python-install", "virtualenv"}
    assert lenient.answer(question).answered
    cautious = Engine(knowledge, threshold=0.0, margin=gap + 0.5)
    match = cautious.answer(question)
    assert match.outcome is Outcome.AMBIGUOUS
    assert [s.card.id for s in match.suggestions[:2]] == [ranked[0].card.id, ranked[1].card.id]


def test_rare_words_outweigh_common_ones(engine: Engine) -> None:
    # "python" stands on two cards, "venv" on one: the rarer word decides.
    ranked = engine.rank("python venv")
    assert ranked[0].card.id == "virtualenv"


def test_scores_are_bounded_and_sorted(engine: Engine) -> None:
    ranked = engine.rank("python roles rules events")
    scores = [s.score for s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= score <= 100 for score in scores)


def test_answer_terms_count(engine: Engine) -> None:
    # "installer" and "path" appear only in the card's answer and keywords, not its questions.
    assert engine.rank("add to PATH installer")[0].card.id == "python-install"


def test_autocomplete_prefers_titles_starting_with_the_text(engine: Engine) -> None:
    titles = [card.title for card in engine.autocomplete("how do i")]
    assert titles[:2] == ["How do I get a role?", "How do I install Python?"]
    assert len(engine.autocomplete("", limit=3)) == 3
    assert engine.autocomplete("virtual env")[0].id == "virtualenv"


def test_long_questions_are_bounded(engine: Engine) -> None:
    match = engine.answer("how do I get a role " * 2000)
    assert match.question.startswith("how do I get a role")
    assert 0 <= match.score <= 100


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(), max_size=300) | st.text(alphabet=string.printable + "<@!#:>👀", max_size=80))
def test_junk_never_raises(engine: Engine, text: str) -> None:
    match = engine.answer(text)
    assert 0.0 <= match.score <= 100.0
    assert match.answered == (match.card is not None)
    assert len(match.suggestions) <= 3
    assert len(engine.autocomplete(text)) <= 25


def test_the_trained_part_changes_scores_only_when_weighted(knowledge: KnowledgeBase) -> None:
    question = "which roles can i pick"
    plain = Engine(knowledge).rank(question)
    assert Engine(knowledge, trained_weight=0.0).rank(question) == plain
    trained = Engine(knowledge, trained_weight=0.5)
    ranked = trained.rank(question)
    assert ranked[0].card.id == "roles"
    assert [s.score for s in ranked] != [s.score for s in plain]
    assert trained.answer("how do i get a rolez").card.id == "roles"


@pytest.mark.parametrize(
    ("limit", "value"),
    [
        ("bot.engine.built.TRAINED_PHRASES_MAX", 3),  # too many phrases to train on in time
        ("bot.engine.linear.WEIGHTS_MAX", 1),  # its weights would not fit
    ],
)
def test_the_trained_part_is_left_out_past_its_size_limits(
    knowledge: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, limit: str, value: int
) -> None:
    monkeypatch.setattr(limit, value)
    engine = Engine(knowledge, trained_weight=0.5)
    assert engine.trained_weight == 0.0
    assert engine.rank("which roles can i pick") == Engine(knowledge).rank("which roles can i pick")


def test_a_question_asking_what_no_question_of_the_card_asks_scores_lower(engine: Engine) -> None:
    # The events card asks "when"; the roles card asks no "who", so a "who" question about roles is a weaker match.
    when = engine.rank("when is the next tournament")[0]
    who = engine.rank("who picks roles")[0]
    what = engine.rank("what picks roles")[0]
    assert when.card.id == "events"
    assert who.card.id == what.card.id == "roles"
    assert who.score < what.score


def test_an_everyday_word_no_card_uses_is_not_read_as_a_card_word_it_resembles(engine: Engine) -> None:
    # "roller" shares n-grams with the card word "roles", but is a word of its own, not a typo of it.
    assert engine.rank("roller") == []
    assert engine.rank("rolle")[0].card.id == "roles"  # a word no dictionary has still matches by its n-grams


def test_a_card_that_covers_little_of_what_a_question_names_scores_lower(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "bytecode" is nobody's word and weighs more than "install" and "python" together: the card still comes
    # first, but covers too little of the question to score in full. A question it covers is not touched.
    uncovered, covered = "install python bytecode", "install python on windows"
    with_rule = {question: engine.rank(question)[0] for question in (uncovered, covered)}
    monkeypatch.setattr(matcher, "MIN_COVERAGE", 0.0)
    without = {question: engine.rank(question)[0] for question in (uncovered, covered)}
    assert with_rule[uncovered].card.id == without[uncovered].card.id == "python-install"
    assert with_rule[uncovered].score == pytest.approx(matcher.UNANSWERED_FACTOR * without[uncovered].score, abs=0.1)
    assert with_rule[covered].score == without[covered].score


def test_a_card_s_kinds_are_found_from_its_own_questions(engine: Engine) -> None:
    index = next(i for i, card in enumerate(engine.cards) if card.id == "events")
    assert engine._card_kinds(index) == {"time"}  # "When is the next community event?"
    assert engine._card_kinds(index) is engine._card_kinds(index)  # found once


def test_a_question_in_the_answer_s_words_finds_a_card_written_with_few_phrasings(knowledge: KnowledgeBase) -> None:
    card = Card(
        id="warnings",
        questions=("What happens if I break the rules?", "rule breaking consequences"),
        answer="Moderators give a warning first. A second warning within 30 days means a 24-hour mute.",
        source=CardSource(document="handbook"),
    )
    engine = Engine(replace(knowledge, cards={**knowledge.cards, "warnings": card}))
    assert engine.answer("how many warnings before a mute").card == card
    assert built.answer_sentences(card.answer) == (
        "Moderators give a warning first.",
        "A second warning within 30 days means a 24-hour mute.",
    )


def test_a_decline_offers_every_card_that_shares_a_word_and_none_that_does_not(knowledge: KnowledgeBase) -> None:
    engine = Engine(knowledge, threshold=99.0)
    related = engine.answer("tournament brackets seeding controversy")
    assert not related.answered
    assert related.suggestions
    assert related.suggestions[0].card.id == "events"
    assert related.suggestions[0].score < offers.SUGGESTION_FLOOR  # offered though it scores low
    assert engine.answer("what's the weather in paris tomorrow").suggestions == ()


def test_a_long_message_s_question_is_matched_with_the_words_before_it_that_cards_use(
    knowledge: KnowledgeBase,
) -> None:
    engine = Engine(knowledge)
    message = (
        "my friends and i saw people talking about a big tournament in the general chat yesterday and we really "
        "want to join in. when does it start?"
    )
    assert engine._focused(message) == "when does it start? tournament"
    assert engine.answer(message).card == knowledge.cards["events"]


def test_a_card_in_british_spelling_answers_an_american_question(knowledge: KnowledgeBase) -> None:
    engine, card = with_card(knowledge, "licence", ("Which licence covers the code?", "code licence terms"))
    match = engine.answer("what license is the code under")
    assert match.answered
    assert match.card == card


def taught_merch(knowledge: KnowledgeBase, learned: str) -> tuple[Engine, Card]:
    """An engine on the fixture cards and a merch card that members taught one phrasing."""
    card = Card(
        id="merch",
        questions=("Where can I buy the server hoodie?", "merch store link"),
        answer="The hoodie is sold in the merch store.",
        source=CardSource(document="handbook"),
        learned=(learned,),
    )
    return Engine(replace(knowledge, cards={**knowledge.cards, "merch": card})), card


def test_a_learned_phrasing_is_matched_but_is_not_what_the_card_holds(knowledge: KnowledgeBase) -> None:
    """Taught "how much does the hoodie cost", the merch card answers that; it still holds no price, so the rule that
    halves a card lacking what a question names still sees "cost" as a word the card lacks."""
    engine, card = taught_merch(knowledge, "how much does the hoodie cost in the merch store")
    assert engine.answer("How much does the hoodie cost in the merch store?").card == card
    lacking = engine._lacking(engine._card_index["merch"], frozenset(), "does the hoodie cost the same in europe")
    assert "cost" in lacking.words
    assert "hoodie" in lacking.subject


def test_a_word_only_learned_phrasings_use_weighs_as_a_known_word(knowledge: KnowledgeBase) -> None:
    """Not as a word no card knows, which would leave the card holding too little of the question to answer it."""
    engine, card = taught_merch(knowledge, "do they ship the hoodie overseas to europe")
    (best,) = engine.rank("hoodie overseas", 1)
    assert best.card == card
    assert not best.halved


def test_a_word_one_card_learned_does_not_make_another_card_hold_it(knowledge: KnowledgeBase) -> None:
    """Taught "is the hoodie refundable", the merch card knows "refundable"; the events card still lacks the word, so
    its score is still halved for a question that names it."""
    engine, _ = taught_merch(knowledge, "is the hoodie refundable if it arrives damaged")
    (best,) = engine.rank("refundable events", 1)
    assert best.card == knowledge.cards["events"]
    assert best.halved


def test_a_typo_in_a_learned_phrasing_does_not_stop_its_correction(knowledge: KnowledgeBase) -> None:
    """The merch card taught a phrasing with "evnets" in it: the word is still read as the events card's "events"."""
    engine, _ = taught_merch(knowledge, "do they sell hoodies at evnets or tournaments")
    match = engine.answer("when are the evnets")
    assert match.answered
    assert match.card == knowledge.cards["events"]


def test_an_answer_offers_the_runners_up_nearly_as_close(engine: Engine) -> None:
    """ "python install venv" is answered with the virtualenv card; the install card scores nearly as well, so it is
    offered under the answer. A card far behind is not (the rules card, at a third of the roles card's score)."""
    match = engine.answer("python install venv")
    assert match.answered
    ranked = engine.rank("python install venv", 3)
    assert [suggestion.card.id for suggestion in match.suggestions] == [ranked[1].card.id]
    assert ranked[1].score >= offers.CLOSE_SHARE * match.score > ranked[2].score
    far = engine.answer("how do i get a role in the server")
    assert far.answered
    assert far.suggestions == ()


def test_numbers_alone_are_offered_not_answered(knowledge: KnowledgeBase) -> None:
    card = Card(
        id="grading",
        questions=("How is the course graded?", "what is the grade breakdown"),
        answer="Assignments count for 40% and the final exam for 60%.",
        source=CardSource(document="handbook"),
    )
    engine = Engine(replace(knowledge, cards={**knowledge.cards, "grading": card}), threshold=15.0, margin=0.0)
    numbers = engine.answer("what's 40 of 60")
    assert engine.rank("what's 40 of 60")[0].card == card
    assert numbers.score >= engine.threshold  # it would be answered on its score
    assert not numbers.answered
    assert card in [suggestion.card for suggestion in numbers.suggestions]
    assert engine.answer("is the final exam 60").card == card  # a word beside the numbers names the subject
