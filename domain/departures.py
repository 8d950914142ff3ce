"""Who left a conversation, and what it means for the watches there.

When the bot is removed from a conversation (uninstalled, or the channel answers that it
is no longer in the conversation's roster) every watch there stops; when a member leaves,
theirs stop. A stopped watch is kept, saying nothing, for ALERT_RETENTION_DAYS, so a
reinstall or the member's return can resume it; then the retention job deletes it. Its
alerts waiting then are given up: nothing is ever sent to a conversation the bot left.
"""

from __future__ import annotations

from enum import Enum
from typing import Final


class Departure(str, Enum):
    """Why a watch stopped (`Watch.left_why`)."""

    BOT_REMOVED = "bot_removed"
    """The bot was uninstalled from the conversation or removed from it."""
    NOT_IN_ROSTER = "not_in_roster"
    """A send was refused: the bot is no longer in the conversation (Teams' 403
    BotNotInConversationRoster)."""
    MEMBER_LEFT = "member_left"
    """The watch's owner left the conversation."""

    @property
    def bot_left(self) -> bool:
        """Whether the bot itself is gone: nothing can be sent there any more."""
        return self is not Departure.MEMBER_LEFT


DEPARTURE_WHY: Final = {
    Departure.BOT_REMOVED: "I was removed from this chat",
    Departure.NOT_IN_ROSTER: "the channel told me I'm no longer in this chat",
    Departure.MEMBER_LEFT: "you left this chat",
}
"""Why the watch stopped, in the user's words: what `why` and `list` tell, and the
reason its waiting alerts were given up."""
