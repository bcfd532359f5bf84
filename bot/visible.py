"""Text as the bot may post it: without the bidirectional controls that make a line read other than it is written.

An embedding, override or isolate (U+202A–U+202E, U+2066–U+2069) reorders what follows it up to the end of its
paragraph, so a question echoed with U+202E, or a card holding one, would show other words than it holds. The
marks U+200E, U+200F and U+061C stay: they only set the direction of the characters beside them, reorder no run
of text, and right-to-left writing needs them to read correctly.

They go where text enters the bot, so that nothing it posts holds them on any platform: card and source files as
they load (everything shown of a card comes from there), and a question as `Answerer.ask` reads it (what is echoed,
recorded and shown in the admins' reports comes from there).
"""

from __future__ import annotations

BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
_DROP = str.maketrans(dict.fromkeys(BIDI_CONTROLS))


def visible(text: str) -> str:
    return text.translate(_DROP)
