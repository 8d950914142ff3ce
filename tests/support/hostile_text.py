"""Hypothesis strategies for what people (and attackers) type at the bot."""

from __future__ import annotations

from hypothesis import strategies as st

any_character = st.characters(exclude_categories=())
"""Every Unicode category, lone surrogates and control characters included."""

any_text = st.text(any_character, max_size=80)

COMMAND_WORDS = (
    "watch",
    "WATCH",
    "remove",
    "delete",
    "unwatch",
    "list",
    "watches",
    "help",
    "?",
    "cancel",
    "stop",
    "quit",
    "hi",
    "hello",
    "below",
    "under",
    "%",
    "%%",
    "#",
    "$",
    "yes",
    "no",
    "default",
    "ok",
    "headphones",
    "espresso",
    "coffee",
    "machine",
    "p-100",
)
NUMBERS = (
    "1",
    "20",
    "20%",
    "95%",
    "96%",
    "0%",
    "-5%",
    "100%",
    "150%",
    "1e309%",
    "NaN%",
    "-Infinity%",
    "0.001",
    "300",
    "$300",
    "1,000",
    "1e400",
    "-3",
    "99999999999999999999",
    "#2",
    "0",
    "-0",
    "٣",
    "²",
    "1_000",
)
SEPARATORS = (" ", "  ", "\t", "\n", "\u00a0", "\u200f", "\u202e", "\x00", "")

_piece = st.one_of(
    st.sampled_from(COMMAND_WORDS),
    st.sampled_from(NUMBERS),
    st.text(any_character, max_size=6),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


@st.composite
def _joined(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(_piece, min_size=1, max_size=6))
    text = pieces[0]
    for piece in pieces[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + piece
    return text


command_like_text = _joined()
"""Command words, numbers and junk, glued with odd white space."""

chat_text = st.one_of(any_text, command_like_text, st.none())
"""One message's text; None is a message with no text at all."""
