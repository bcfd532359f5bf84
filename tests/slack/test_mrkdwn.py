from hypothesis import given
from hypothesis import strategies as st

from bot.slack.mrkdwn import escape, plain, to_mrkdwn


def test_markdown_becomes_mrkdwn() -> None:
    markdown = "# Setup\nRun **this** and *that*, ~~not~~ [the docs](https://x.org/a?b=1&c=2).\n- one\n* two\n> note"
    assert to_mrkdwn(markdown) == (
        "*Setup*\nRun *this* and _that_, ~not~ <https://x.org/a?b=1&amp;c=2|the docs>.\n• one\n• two\n>note"
    )


def test_code_is_escaped_but_not_formatted() -> None:
    assert to_mrkdwn("Use `a **b** <c>` here") == "Use `a **b** &lt;c&gt;` here"
    assert to_mrkdwn("```\nif a < b and **c**:\n```") == "```\nif a &lt; b and **c**:\n```"


def test_card_text_cannot_form_control_sequences() -> None:
    assert to_mrkdwn("Ping <!channel> & <@U1>") == "Ping &lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_only_web_and_mail_links_survive_so_a_card_link_cannot_ping() -> None:
    markdown = (
        "[everyone](!channel) [online](!here) [team](!subteam^S1) [boss](@U1) [room](#C1) [](!everyone) "
        "[js](javascript:go) [mail](mailto:a@b.org) [web](https://x.org) [old](HTTP://y.org)"
    )
    assert to_mrkdwn(markdown) == (
        "everyone online team boss room !everyone js <mailto:a@b.org|mail> <https://x.org|web> <HTTP://y.org|old>"
    )


def test_slack_text_reads_back_as_what_was_typed() -> None:
    assert (
        plain("hi <!channel> <@U1> <!subteam^S1|@team> <https://a.b|docs> &lt;b&gt;")
        == "hi @channel @U1 @team docs <b>"
    )


@given(st.text())
def test_escaped_user_text_never_holds_a_control_sequence(text: str) -> None:
    shown = escape(plain(text))
    assert "<" not in shown
    assert ">" not in shown


def test_a_link_target_keeps_its_parentheses() -> None:
    """As CommonMark reads `[text](target)`: a Wikipedia address stays whole, and a script is dropped whole."""
    wiki = "https://en.wikipedia.org/wiki/Llama_(language_model)"
    assert to_mrkdwn(f"see [Llama]({wiki}) now") == f"see <{wiki}|Llama> now"
    assert to_mrkdwn("[x](javascript:alert(1)) done") == "x done"
