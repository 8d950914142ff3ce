"""`pause headphones` / `pause 2` / `pause all`: no alerts until `resume`; the watch keeps
tracking the price."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry, Interrupt, Turn
from dialogs.commands.watch_ref import WatchRef, act_on, parse_ref


@dataclass(frozen=True)
class PauseCommand:
    which: WatchRef

    async def handle(self, turn: Turn) -> None:
        pause = turn.services.watchlist.pause
        await act_on(turn, self.which, pause, "pause")


def parse(rest: str) -> PauseCommand:
    return PauseCommand(parse_ref(rest, "pause"))


PAUSE: Final = Entry(("pause",), parse, Interrupt.ANSWER)
