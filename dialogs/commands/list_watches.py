"""`list` (or `watches`): the conversation's watches (a member's own, in a group),
numbered, with their prices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs import texts
from dialogs.commands.command import Entry, Interrupt, Turn


@dataclass(frozen=True)
class ListWatches:
    async def handle(self, turn: Turn) -> None:
        watchlist = turn.services.watchlist
        watches = await watchlist.of(turn.conversation, turn.owner)
        prices = await watchlist.prices_for(watches)
        await turn.say(texts.watch_list(watches, prices, await turn.local_times()))


def parse(rest: str) -> ListWatches | None:
    return None if rest else ListWatches()


LIST: Final = Entry(("list", "watches"), parse, Interrupt.ANSWER)
