"""`history headphones [30d]`: the product's price chart with its lowest, average and
highest price (dialogs/history_reply.py composes the answer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.card_channels import shows_cards
from dialogs.commands.command import Entry, Interrupt, Turn
from dialogs.commands.words import CommandError, shorten
from dialogs.durations import DurationError, parse_days, split_duration

MAX_HISTORY_DAYS: Final = 365


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
    """ "headphones", "headphones 30d", "headphones 30 days", "headphones 2 weeks"."""
    query, period = split_duration(rest)
    if period is None:
        return HistoryCommand(query)
    try:
        days = parse_days(period, 1, MAX_HISTORY_DAYS, "I can show history")
    except DurationError as error:
        raise CommandError(f'{error} (You said "{shorten(period)}".)') from None
    return HistoryCommand(query, days)


HISTORY: Final = Entry(("history",), parse, Interrupt.ANSWER)
