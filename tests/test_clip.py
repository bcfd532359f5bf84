from bot.clip import clip


def test_text_that_fits_is_kept_whole() -> None:
    assert clip("How do I get a role?", 20) == "How do I get a role?"


def test_longer_text_is_cut_to_the_limit_with_an_ellipsis_after_no_space() -> None:
    clipped = clip("How do I get a role in this server?", 16)
    assert clipped == "How do I get a…"
    assert len(clip("x" * 5000, 4096)) == 4096
