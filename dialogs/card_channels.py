"""What each channel does with cards: whether it renders them (and so what an activity's
text is there), whether a card can be replaced in place once answered, and whether its
client may be our Web Chat page, told which cards went out of date."""

from __future__ import annotations

from typing import Final

CARD_CHANNELS: Final = frozenset({"msteams", "webchat", "directline", "emulator"})
"""Channels known to render Adaptive Cards. They show an activity's text as well as its
cards, so there the text is one line and the card says the rest; elsewhere the text is
the whole answer in words, for a channel that drops the cards."""
UPDATE_CHANNELS: Final = frozenset({"msteams", "emulator"})
"""Channels whose service replaces a message it delivered (`update_activity`): a pressed
card becomes one that says what was done. Direct Line, so Web Chat, answers "This channel
does not support this operation"; offline-directline, which calls itself the Emulator,
gives sent messages no id, so nothing is tried there."""
PAGE_CHANNELS: Final = frozenset({"webchat", "directline", "emulator"})
"""Channels whose client may be our Web Chat page (offline-directline says `emulator`),
whose attachment middleware greys out the buttons of cards whose watch changed, told by
an event (`WATCHES_CHANGED`) after the turn that changed it. Other clients ignore it."""
WATCHES_CHANGED: Final = "PriceWatch.watchesChanged"
"""The event's name; its value maps each changed watch's id to its `user_version` now
(null: removed). A card whose data names that watch at an older version is out of date."""


def _id(channel_id: object) -> str:
    return str(getattr(channel_id, "value", channel_id) or "")


def shows_cards(channel_id: str | None) -> bool:
    return _id(channel_id) in CARD_CHANNELS


def updates_cards(channel_id: str | None) -> bool:
    return _id(channel_id) in UPDATE_CHANNELS


def tells_page_of_changes(channel_id: str | None) -> bool:
    return _id(channel_id) in PAGE_CHANNELS
