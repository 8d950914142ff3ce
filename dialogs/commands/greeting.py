"""`hi`, `hello`, `hey`: the greeting, unless this turn has greeted already."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs import texts
from dialogs.commands.command import Entry, Turn


@dataclass(frozen=True)
class Greeting:
    async def handle(self, turn: Turn) -> None:
        if not turn.greeted_now:
            await turn.say(texts.GREETING)


def parse(rest: str) -> Greeting | None:
    return None if rest else Greeting()


GREETING: Final = Entry(("hi", "hello", "hey"), parse)
