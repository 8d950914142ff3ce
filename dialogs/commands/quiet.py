"""`quiet 22:00-07:00` sets the quiet hours, `quiet off` ends them, `quiet` says them
(bots/quiet_settings.py keeps them and answers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry, Interrupt, Turn
from dialogs.commands.words import CommandError
from domain.quiet_hours import QuietHours, QuietHoursError, parse_quiet_hours


@dataclass(frozen=True)
class QuietCommand:
    """`quiet 22:00-07:00` sets, `quiet off` ends, `quiet` alone asks."""

    hours: QuietHours | None
    off: bool = False

    async def handle(self, turn: Turn) -> None:
        await turn.say(await turn.services.quiet.quiet(turn.context, self))


def parse(rest: str) -> QuietCommand:
    if not rest:
        return QuietCommand(None)
    if rest.casefold() in {"off", "none", "stop"}:
        return QuietCommand(None, off=True)
    try:
        return QuietCommand(parse_quiet_hours(rest))
    except QuietHoursError as error:
        raise CommandError(str(error)) from None


QUIET: Final = Entry(("quiet",), parse, Interrupt.ANSWER)
