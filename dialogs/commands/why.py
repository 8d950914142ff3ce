"""`why 2` / `why headphones`: the watch's recent story (bots/why.py gathers and tells it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry, Interrupt, Turn
from dialogs.commands.words import number_or_name


@dataclass(frozen=True)
class WhyCommand:
    """`why 2` / `why headphones`: the watch's recent story."""

    index: int | None
    query: str

    async def handle(self, turn: Turn) -> None:
        why = turn.services.why
        await turn.say(await why.tell(turn.context, self, dialog_open=turn.in_a_dialog))


def parse(rest: str) -> WhyCommand:
    return WhyCommand(*number_or_name(rest))


WHY: Final = Entry(("why",), parse, Interrupt.ANSWER)
