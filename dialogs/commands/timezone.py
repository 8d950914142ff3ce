"""`timezone Europe/Berlin` (or `tz`) sets the conversation's time zone; `timezone` says it
(bots/quiet_settings.py keeps it and answers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry, Interrupt, Turn
from dialogs.commands.words import CommandError, shorten
from domain.zones import canonical_zone, is_not_a_place


@dataclass(frozen=True)
class TimezoneCommand:
    """`timezone Europe/Berlin` (the IANA spelling); `timezone` alone asks (zone "")."""

    zone: str

    async def handle(self, turn: Turn) -> None:
        await turn.say(await turn.services.quiet.timezone(turn.context, self))


def parse(rest: str) -> TimezoneCommand:
    if not rest:
        return TimezoneCommand("")
    if is_not_a_place(rest):
        raise CommandError(
            f'"{shorten(rest)}" is in the time zone database but is no place\'s time (it is'
            " a computer's setting or a placeholder). Say your zone by its place, like"
            ' "timezone Europe/Berlin" or "timezone America/New_York".'
        )
    zone = canonical_zone(rest)
    if zone is None:
        raise CommandError(
            f'"{shorten(rest)}" is not a time zone I know. Say it like'
            ' "timezone Europe/Berlin" or "timezone America/New_York".'
        )
    return TimezoneCommand(zone)


TIMEZONE: Final = Entry(("timezone", "tz"), parse, Interrupt.ANSWER)
