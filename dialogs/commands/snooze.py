"""`snooze headphones 2h` / `snooze all 1d`: no alerts for a while (1 minute to 90 days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from dialogs.commands.command import Entry, Turn
from dialogs.commands.watch_ref import WatchRef, act_on, parse_ref
from dialogs.commands.words import CommandError
from dialogs.durations import DurationError, parse_duration
from domain.watches import Watch


@dataclass(frozen=True)
class SnoozeCommand:
    which: WatchRef
    duration: timedelta

    async def handle(self, turn: Turn) -> None:
        watchlist = turn.services.watchlist
        times = await turn.local_times()
        until = times.now + self.duration

        async def snooze(key: str, watch_id: int | None, owner: str | None) -> list[Watch]:
            return await watchlist.snooze(key, watch_id, until, owner)

        await act_on(turn, self.which, snooze, "snoozed", f"until {times.at(until)}")


def parse(rest: str) -> SnoozeCommand:
    tokens = rest.split()
    example = 'Say which watch and for how long, like "snooze headphones 2h" or "snooze all 1d".'
    for size in (2, 1):  # "2 hours" or "2h"
        if len(tokens) > size:
            try:
                duration = parse_duration(" ".join(tokens[-size:]))
            except DurationError as error:
                if size == 1:
                    raise CommandError(f"{error} {example}") from None
                continue
            return SnoozeCommand(parse_ref(" ".join(tokens[:-size]), "snooze"), duration)
    raise CommandError(example)


SNOOZE: Final = Entry(("snooze",), parse)
