"""`bought headphones at 179 [within 14 days]`: price protection for the return window, an
alert if the price goes below what was paid."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from dialogs.commands.command import Entry
from dialogs.commands.drops import parse_price
from dialogs.commands.words import CommandError, shorten

DEFAULT_PROTECTION_DAYS: Final = 30
MAX_PROTECTION_DAYS: Final = 365
_BOUGHT: Final = re.compile(
    r"(?P<query>.+?)\s+(?:at|for)\s+(?P<paid>\S+)(?:\s+within\s+(?P<days>\S+)\s+days?)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BoughtCommand:
    query: str
    paid: Decimal
    days: int


def parse(rest: str) -> BoughtCommand:
    match = _BOUGHT.fullmatch(rest.strip())
    if match is None:
        raise CommandError(
            'Tell me what you paid, like "bought headphones at 179" or'
            ' "bought headphones at 179 within 14 days".'
        )
    try:
        paid = parse_price(match.group("paid"))
    except CommandError:
        raise CommandError(
            f'"{shorten(match.group("paid"))}" is not a price I can read: try "at 179".'
        ) from None
    raw_days = match.group("days")
    days = DEFAULT_PROTECTION_DAYS
    if raw_days is not None:
        if not (raw_days.isdecimal() and raw_days.isascii() and len(raw_days) <= 4):
            raise CommandError(
                f'"{shorten(raw_days)}" is not a number of days: try "within 14 days".'
            )
        days = int(raw_days)
        if not 1 <= days <= MAX_PROTECTION_DAYS:
            raise CommandError(f"Price protection lasts from 1 to {MAX_PROTECTION_DAYS} days.")
    return BoughtCommand(match.group("query"), paid, days)


BOUGHT: Final = Entry(("bought",), parse)
