"""`pause headphones` / `pause 2` / `pause all`: no alerts until `resume`; the watch keeps
tracking the price."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry
from dialogs.commands.watch_ref import WatchRef, parse_ref


@dataclass(frozen=True)
class PauseCommand:
    which: WatchRef


def parse(rest: str) -> PauseCommand:
    return PauseCommand(parse_ref(rest, "pause"))


PAUSE: Final = Entry(("pause",), parse)
