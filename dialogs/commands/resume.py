"""`resume headphones` / `resume all`: alerts again, with the one a drop meanwhile earned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry, Interrupt, Turn
from dialogs.commands.watch_ref import WatchRef, act_on, parse_ref


@dataclass(frozen=True)
class ResumeCommand:
    which: WatchRef

    async def handle(self, turn: Turn) -> None:
        resume = turn.services.watchlist.resume
        await act_on(turn, self.which, resume, "resume")


def parse(rest: str) -> ResumeCommand:
    return ResumeCommand(parse_ref(rest, "resume"))


RESUME: Final = Entry(("resume",), parse, Interrupt.ANSWER)
