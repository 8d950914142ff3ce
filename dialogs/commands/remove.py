"""`remove 2` / `remove headphones` (or `delete`, `unwatch`): the remove dialog, which asks
when several watches match."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry, Interrupt, Turn
from dialogs.commands.words import number_or_name
from dialogs.remove_dialog import RemoveDialog, remove_options


@dataclass(frozen=True)
class RemoveCommand:
    index: int | None
    query: str

    async def handle(self, turn: Turn) -> None:
        await turn.dialogs.begin_dialog(
            RemoveDialog.__name__, remove_options(self.index, self.query)
        )


def parse(rest: str) -> RemoveCommand:
    return RemoveCommand(*number_or_name(rest))


REMOVE: Final = Entry(("remove", "delete", "unwatch"), parse, Interrupt.REPLACE)
