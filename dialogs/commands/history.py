"""`history headphones [30d]`: the product's price chart with its lowest, average and
highest price (dialogs/history_reply.py composes the answer)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from dialogs.card_channels import shows_cards
from dialogs.commands.command import Entry, Turn
from dialogs.commands.words import CommandError, shorten

MAX_HISTORY_DAYS: Final = 365
_HISTORY_DAYS: Final = re.compile(r"(\d{1,6})\s?(?:d|days?)", re.IGNORECASE)


@dataclass(frozen=True)
class HistoryCommand:
    query: str
    days: int | None = None
    """The period asked for ("history headphones 30d"); None: the default."""

    async def handle(self, turn: Turn) -> None:
        reply = await turn.services.history.reply(
            turn.conversation, self, await turn.local_times(), turn.owner
        )
        if not isinstance(reply, str) and shows_cards(turn.context.activity.channel_id):
            reply.text = reply.summary  # the card shows the figures
        await turn.say(reply)


def parse(rest: str) -> HistoryCommand:
    """ "headphones", "headphones 30d", "headphones 30 days"."""
    tokens = rest.split()
    for width in (2, 1):
        tail = " ".join(tokens[-width:]) if len(tokens) >= width else ""
        matched = _HISTORY_DAYS.fullmatch(tail)
        if matched:
            days = int(matched.group(1))
            if not 1 <= days <= MAX_HISTORY_DAYS:
                raise CommandError(
                    f"I can show from 1 to {MAX_HISTORY_DAYS} days of history"
                    f' (you said {shorten(tail)}): try "history headphones 30d".'
                )
            return HistoryCommand(" ".join(tokens[:-width]), days)
    return HistoryCommand(" ".join(tokens))


HISTORY: Final = Entry(("history",), parse)
