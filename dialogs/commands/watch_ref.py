"""Which of the conversation's watches `pause`, `resume` and `snooze` name: all of them,
a number as listed, or words of its name."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.commands.words import CommandError


@dataclass(frozen=True)
class WatchRef:
    all: bool = False
    index: int | None = None
    query: str = ""


def parse_ref(rest: str, verb: str) -> WatchRef:
    argument = rest.strip()
    if not argument:
        raise CommandError(
            f'Say which watch, like "{verb} headphones", "{verb} 2" or "{verb} all".'
        )
    if argument.casefold() == "all":
        return WatchRef(all=True)
    number = argument.lstrip("#")
    if number.isdecimal() and number.isascii():
        if int(number) == 0 or len(number) > 6:
            raise CommandError('Watch numbers start at 1: say "list" to see them.')
        return WatchRef(index=int(number))
    return WatchRef(query=argument)
