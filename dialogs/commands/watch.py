"""`watch [product] [20% | below 300]`: at once when the words name one product and a drop;
otherwise the watch dialog asks for what is missing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dialogs.commands.command import Entry
from dialogs.commands.drops import BELOW_WORDS, Drop, parse_percent, parse_price
from dialogs.commands.words import CommandError


@dataclass(frozen=True)
class WatchCommand:
    query: str
    drop: Drop | None


def parse(rest: str) -> WatchCommand:
    tokens = rest.split()
    if tokens and tokens[-1] == "%" and len(tokens) >= 2:
        tokens = tokens[:-2] + [tokens[-2] + "%"]
    if tokens and tokens[-1].endswith("%"):
        return WatchCommand(" ".join(tokens[:-1]), Drop(percent=parse_percent(tokens[-1])))
    if len(tokens) >= 2 and tokens[-2].casefold() in BELOW_WORDS:
        return WatchCommand(" ".join(tokens[:-2]), Drop(below=parse_price(tokens[-1])))
    if tokens and tokens[-1].casefold() in BELOW_WORDS:
        raise CommandError('Say the price too, like "below 300".')
    return WatchCommand(" ".join(tokens), None)


WATCH: Final = Entry(("watch",), parse)
