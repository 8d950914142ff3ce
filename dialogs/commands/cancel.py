"""`cancel` (or `stop`): leave the dialog we are in; outside one, there is nothing to leave."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs import texts
from dialogs.commands.command import Entry, Interrupt, Turn


@dataclass(frozen=True)
class Cancel:
    async def handle(self, turn: Turn) -> None:
        if not turn.in_a_dialog:
            await turn.say(texts.NOTHING_TO_CANCEL)
            return
        await turn.dialogs.cancel_all_dialogs()
        await turn.say(texts.CANCELLED)


def parse(rest: str) -> Cancel | None:
    return None if rest else Cancel()


# "quit" leaves a dialog too; outside one it is no command.
CANCEL: Final = Entry(("cancel", "stop"), parse, Interrupt.ITSELF, in_a_dialog=("quit",))
