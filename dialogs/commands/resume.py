"""`resume headphones` / `resume all`: alerts again, with the one a drop meanwhile earned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry
from dialogs.commands.watch_ref import WatchRef, parse_ref


@dataclass(frozen=True)
class ResumeCommand:
    which: WatchRef


def parse(rest: str) -> ResumeCommand:
    return ResumeCommand(parse_ref(rest, "resume"))


RESUME: Final = Entry(("resume",), parse)
