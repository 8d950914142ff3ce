"""`help` (or `?`): what the bot understands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs import texts
from dialogs.commands.command import Entry, Interrupt, Turn


@dataclass(frozen=True)
class Help:
    async def handle(self, turn: Turn) -> None:
        await turn.say(texts.help_text(turn.services.default_drop))


def parse(rest: str) -> Help | None:
    return None if rest else Help()


HELP: Final = Entry(("help", "?"), parse, Interrupt.ANSWER)
