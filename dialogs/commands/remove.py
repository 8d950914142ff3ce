"""`remove 2` / `remove headphones` (or `delete`, `unwatch`): the remove dialog, which asks
when several watches match."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry
from dialogs.commands.words import number_or_name


@dataclass(frozen=True)
class RemoveCommand:
    index: int | None
    query: str


def parse(rest: str) -> RemoveCommand:
    return RemoveCommand(*number_or_name(rest))


REMOVE: Final = Entry(("remove", "delete", "unwatch"), parse)
