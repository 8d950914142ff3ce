"""What the bot holds about one person, as `forget me` tells it: before (the question) and
after (what was deleted). Everything about a person is found by their user id, which is
their channel's: the same person has another id on another channel."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalData:
    watches: int = 0
    """Their watches, in every conversation with the bot on their channel."""
    alerts: int = 0
    """The alerts of those watches, sent or not, with every delivery attempt."""
    settings: bool = False
    """Their quiet hours or time zone, in any conversation."""

    @property
    def nothing(self) -> bool:
        return not (self.watches or self.alerts or self.settings)
