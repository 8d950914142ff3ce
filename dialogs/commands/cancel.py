"""`cancel` (or `stop`): leave the dialog we are in; outside one, there is nothing to leave."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry


@dataclass(frozen=True)
class Cancel:
    pass


def parse(rest: str) -> Cancel | None:
    return None if rest else Cancel()


CANCEL: Final = Entry(("cancel", "stop"), parse)
