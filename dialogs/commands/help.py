"""`help` (or `?`): what the bot understands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry


@dataclass(frozen=True)
class Help:
    pass


def parse(rest: str) -> Help | None:
    return None if rest else Help()


HELP: Final = Entry(("help", "?"), parse)
