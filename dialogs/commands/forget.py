"""`forget me`: delete everything held about the person who says it, after asking
(dialogs/forget_dialog.py; bots/forgetting.py does it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry, Interrupt, Turn
from dialogs.forget_dialog import ForgetDialog


@dataclass(frozen=True)
class ForgetMe:
    async def handle(self, turn: Turn) -> None:
        await turn.dialogs.begin_dialog(ForgetDialog.__name__)


def parse(rest: str) -> ForgetMe | None:
    return ForgetMe() if rest.casefold() == "me" else None


FORGET: Final = Entry(("forget",), parse, Interrupt.REPLACE)
