"""The parts of an alert message that are the same for everyone one price drop alerts,
made once per drop.

A drop watched by a thousand people is a thousand messages that say the same of the
product: its name, the prices, the drop, the 90-day low, the chart, the text's line
about it and the summary. Only what is each reader's own differs: their rule and
target, their times, their name in a group, their buttons (bots/alert_sender.py and
dialogs/alert_cards.py add those to every message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Final

from dialogs import texts
from dialogs.alert_cards import ProductBlocks, product_blocks
from domain.alert_facts import DropNews

PARTS_LIMIT: Final = 1024
"""Drops kept at most; more (that many products dropping at once) start afresh."""
SUMMARY_CHARS: Final = 120


@dataclass(frozen=True)
class DropPart:
    words: texts.ProductWords
    blocks: ProductBlocks
    summary: str
    """The summary of a message of this alert alone."""


PartOf = Callable[[DropNews], DropPart]
"""A drop's part of an alert message (`drop_part`, or one kept: `DropParts`)."""


def drop_part(news: DropNews) -> DropPart:
    return DropPart(
        texts.product_words(news),
        product_blocks(news),
        texts.alert_summary(news, SUMMARY_CHARS),
    )


class DropParts:
    """Each drop's part, made once while kept, by `make` (`drop_part`).

    A kept part is exactly what making it again would give, whoever the message is for:
    it is made of its `DropNews` alone (`make` is given nothing else), which is the key,
    and it holds every value the part is made of: the product's name, the alert's kind,
    currency, old and new price, the low, the chart's URL (itself made for the reader's
    zone), and how the reader reads the low's day (zone and year). And a part is never
    changed once made: the cards that share its blocks are not (CardMessage). So nothing
    needs to expire; the bound only limits the memory."""

    def __init__(self, make: PartOf = drop_part, limit: int = PARTS_LIMIT) -> None:
        self._make = make
        self._limit = limit
        self._parts: dict[DropNews, DropPart] = {}

    def __call__(self, news: DropNews) -> DropPart:
        part = self._parts.get(news)
        if part is None:
            if len(self._parts) >= self._limit:
                self._parts.clear()
            part = self._parts[news] = self._make(news)
        return part
