from dataclasses import replace

import pytest

from bot.cards.model import KnowledgeBase
from bot.replies import Paging, card_reply, offered
from bot.slack import blocks


def texts(message: blocks.Message) -> list[str]:
    return [block["text"]["text"] for block in message.blocks if block["type"] == "section"]


@pytest.mark.parametrize("answer", ["word " * 3000, "x" * 9000, "line\n" * 2000, "& < > " * 1500])
def test_a_long_answer_is_split_within_slack_limits(knowledge: KnowledgeBase, answer: str) -> None:
    card = replace(knowledge.cards["roles"], answer=answer)
    message = blocks.answer(card_reply(card, knowledge), "q1")
    assert len(message.blocks) <= blocks.BLOCKS_MAX
    assert all(len(text) <= blocks.SECTION_MAX_CHARS for text in texts(message))
    assert len(message.text) <= blocks.FALLBACK_MAX_CHARS
    assert sum(len(text) for text in texts(message)) >= min(len(answer.strip()), blocks.SECTION_MAX_CHARS) * 0.9


def test_a_huge_answer_is_shortened_with_a_link_to_its_source(knowledge: KnowledgeBase) -> None:
    card = replace(knowledge.cards["roles"], answer="word " * 20000)
    sections = texts(blocks.answer(card_reply(card, knowledge), "q1"))
    assert len(sections) == blocks.ANSWER_SECTIONS_MAX
    assert sections[-1].endswith("<https://example.org/handbook|Community Handbook, Roles>")


def test_buttons_keep_to_slack_limits(knowledge: KnowledgeBase) -> None:
    long_title = "How do I " + "really " * 40 + "get a role?"
    card = replace(knowledge.cards["rules"], questions=(long_title,))
    related = replace(card_reply(knowledge.cards["roles"], knowledge), related=(card,))
    message = blocks.answer(related, "q" * 3000)
    buttons = [element for block in message.blocks if block["type"] == "actions" for element in block["elements"]]
    assert all(len(button["text"]["text"]) <= blocks.BUTTON_MAX_CHARS for button in buttons)
    assert all(len(button["value"]) <= blocks.VALUE_MAX_CHARS for button in buttons)
    assert buttons[-1]["text"]["text"].endswith("…")


def test_button_values_carry_the_card_and_the_question() -> None:
    assert blocks.parse_value(blocks.action_value("roles", "abc123")) == ("roles", "abc123")
    assert blocks.parse_value(blocks.action_value("roles", None)) == ("roles", None)


def test_help_lists_every_topic(knowledge: KnowledgeBase) -> None:
    message = blocks.help_message(knowledge)
    shown = str(message.blocks)
    assert all(card.title in shown for card in knowledge.cards.values())
    assert len(message.blocks) <= blocks.BLOCKS_MAX


def test_more_needs_a_recorded_question_and_a_bad_value_reads_as_none(knowledge: KnowledgeBase) -> None:
    cards = tuple(knowledge.cards.values())[:3]
    page = offered(cards, Paging(0, True))
    more = [block for block in blocks.decline(page, "q1").blocks if block["type"] == "actions"]
    assert more[-1]["elements"][-1]["value"] == "1:q1"
    assert blocks.parse_more("1:q1") == (1, "q1")
    unrecorded = [block for block in blocks.decline(page, None).blocks if block["type"] == "actions"]
    assert all(element["action_id"] != blocks.MORE for element in unrecorded[-1]["elements"])
    assert blocks.parse_more("<script>:q1") == (0, None)
    assert blocks.parse_more("²:q1") == (0, None)  # a digit to Python, no page number
    assert blocks.parse_more("99999999999999999999:q1") == (0, None)
    assert blocks.parse_more("") == (0, None)
