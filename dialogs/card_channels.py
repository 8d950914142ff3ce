"""Which channels render Adaptive Cards, and what an activity's text is on them."""

from __future__ import annotations

from typing import Final

CARD_CHANNELS: Final = frozenset({"msteams", "webchat", "directline", "emulator"})
"""Channels known to render Adaptive Cards. They show an activity's text as well as its
cards, so there the text is one line and the card says the rest; elsewhere the text is
the whole answer in words, for a channel that drops the cards."""


def shows_cards(channel_id: str | None) -> bool:
    return channel_id in CARD_CHANNELS
