"""How big a drop to wait for, as people type it: a percentage or a target price.

Read by `watch headphones 20%` and by the watch dialog's question; prices also by
`bought`. One grammar for amounts of money everywhere: digits with an optional `$`, a
decimal point or a decimal comma ("35.50", "35,50"), thousands with commas ("1,600" or
"1,600.00"); never an exponent ("1E+5"), "NaN" or "Infinity".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from dialogs.commands.words import CommandError, clean_text, shorten

MIN_DROP: Final = Decimal(1)
MAX_DROP: Final = Decimal(95)
MAX_PRICE: Final = Decimal(1_000_000)
CENT: Final = Decimal("0.01")
BELOW_WORDS: Final = frozenset({"below", "under"})
_AMOUNT: Final = re.compile(
    r"(?P<thousands>\d{1,3}(?:,\d{3})+(?:\.\d+)?)"  # 1,600 / 1,600.00
    r"|(?P<comma>\d+,\d{1,2})"  # 35,50: a decimal comma
    r"|(?P<point>\d*\.?\d+)",  # 35 / 35.50 / .99
    re.ASCII,
)


@dataclass(frozen=True)
class Drop:
    """Either a percentage off the current price or a target price."""

    percent: Decimal | None = None
    below: Decimal | None = None


def parse_drop(text: str) -> Drop:
    """A drop as typed in the dialog: "20%", "20", "below 300", "$300"."""
    tokens = clean_text(text).split()
    if len(tokens) == 2 and tokens[0].casefold() in BELOW_WORDS:
        return Drop(below=parse_price(tokens[1]))
    if len(tokens) == 1 and tokens[0].startswith("$"):
        return Drop(below=parse_price(tokens[0]))
    if len(tokens) == 2 and tokens[1] == "%":
        return Drop(percent=parse_percent(tokens[0]))
    if len(tokens) == 1:
        return Drop(percent=parse_percent(tokens[0]))
    raise CommandError('Tell me a drop like "20%", or a price like "below 300".')


def parse_percent(raw: str) -> Decimal:
    number = raw[:-1] if raw.endswith("%") else raw
    value = _number(number, f'"{shorten(raw)}" is not a percentage I can read: try "20%".')
    if not MIN_DROP <= value <= MAX_DROP:
        raise CommandError(
            f"A drop must be between {MIN_DROP}% and {MAX_DROP}% (you said {shorten(raw)})."
        )
    return value


def parse_price(raw: str) -> Decimal:
    number = raw[1:] if raw.startswith("$") else raw
    value = _number(number, f'"{shorten(raw)}" is not a price I can read: try "below 300".')
    if value < CENT:
        raise CommandError(
            "A target price must be more than 0. The smallest I can watch for is 0.01."
        )
    if value > MAX_PRICE:
        raise CommandError(f"A target price must be at most {MAX_PRICE:,}.")
    return value


def _number(raw: str, message: str) -> Decimal:
    """An amount in the one grammar (see above); CommandError with `message` otherwise."""
    digits = raw[1:] if raw.startswith("-") else raw  # read, then refused by the bounds
    match = _AMOUNT.fullmatch(digits) if len(raw) <= 40 else None
    if match is None:
        raise CommandError(message)
    if match.group("comma"):
        return Decimal(raw.replace(",", "."))
    return Decimal(raw.replace(",", ""))
