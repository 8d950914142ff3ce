"""`list` (or `watches`): the conversation's watches, numbered, with their prices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry


@dataclass(frozen=True)
class ListWatches:
    pass


def parse(rest: str) -> ListWatches | None:
    return None if rest else ListWatches()


LIST: Final = Entry(("list", "watches"), parse)
