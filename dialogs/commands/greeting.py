"""`hi`, `hello`, `hey`: the greeting, unless this turn has greeted already."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry


@dataclass(frozen=True)
class Greeting:
    pass


def parse(rest: str) -> Greeting | None:
    return None if rest else Greeting()


GREETING: Final = Entry(("hi", "hello", "hey"), parse)
