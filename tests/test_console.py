import pytest

from bot.console import plain


@pytest.mark.parametrize(
    ("markdown", "shown"),
    [
        ("Open the **#roles** channel", "Open the #roles channel"),
        ("**Llama** and **PyTorch**", "Llama and PyTorch"),
        ("call `f(**kwargs)` then **run**", "call `f(**kwargs)` then run"),
        ("`2 ** 8` is 256", "`2 ** 8` is 256"),
        ("a ** b", "a ** b"),  # no bold: spaces inside the markers
    ],
)
def test_bold_markers_go_but_code_keeps_its_stars(markdown: str, shown: str) -> None:
    assert plain(markdown) == shown
