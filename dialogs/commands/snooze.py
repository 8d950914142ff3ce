"""`snooze headphones 2h` / `snooze all 1d` / `snooze 2 2 weeks`: no alerts for a while (1
minute to 90 days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from dialogs import texts
from dialogs.commands.command import Entry, Interrupt, Turn
from dialogs.commands.watch_ref import WatchRef, act_on, parse_ref
from dialogs.commands.words import CommandError, shorten
from dialogs.durations import DurationError, parse_snooze, split_duration
from domain.watch_changes import Change


@dataclass(frozen=True)
class SnoozeCommand:
    which: WatchRef
    duration: timedelta

    async def handle(self, turn: Turn) -> None:
        watchlist = turn.services.watchlist
        times = await turn.local_times()
        until = times.now + self.duration

        async def snooze(key: str, watch_id: int | None, owner: str | None) -> list[Change]:
            return await watchlist.snooze(key, watch_id, until, owner)

        await act_on(turn, self.which, snooze, "snooze")


def parse(rest: str) -> SnoozeCommand:
    example = texts.SAY_SNOOZE
    which, duration = split_duration(rest)
    if duration is None or not which:
        words = rest.split()
        if len(words) > 1:  # a watch, then something that is no time
            raise CommandError(f'"{shorten(words[-1])}" is not a time I can read. {example}')
        raise CommandError(example)
    try:
        return SnoozeCommand(parse_ref(which, "snooze"), parse_snooze(duration))
    except DurationError as error:
        raise CommandError(str(error)) from None


SNOOZE: Final = Entry(("snooze",), parse, Interrupt.ANSWER)
