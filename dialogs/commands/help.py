"""`help` (or `?`): what the bot understands; in a dialog, its question is asked again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs import texts
from dialogs.commands.command import Entry, Turn


@dataclass(frozen=True)
class Help:
    async def handle(self, turn: Turn) -> None:
        await turn.say(texts.help_text(turn.services.default_drop))
        if turn.in_a_dialog:
            await turn.dialogs.reprompt_dialog()


def parse(rest: str) -> Help | None:
    return None if rest else Help()


HELP: Final = Entry(("help", "?"), parse, in_a_dialog=("help", "?"))
