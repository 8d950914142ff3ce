"""A product the feed sells, how its price is read, and how the feed has been answering."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

PRICE_CEILING: Final = Decimal(10**15)
MAX_PRICE_PLACES: Final = 20
"""A price is under 10**15 with at most 20 decimal places (a float's leftovers, like
19.990000000000002, fit): bounded text, and bounded work for every exact comparison."""
_MAX_SHOWN_CHARS: Final = 60


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    price: Decimal | None
    currency: str


@dataclass(frozen=True)
class ProductHealth:
    """How the feed has been answering for one product."""

    product_id: str
    null_streak: int = 0
    unavailable: bool = False
    outages: int = 0


def parse_price(value: object) -> Decimal | None:
    """A feed price: JSON null -> None, a positive finite number -> Decimal.

    Raises ValueError for anything else (zero, negative, NaN, strings, bools...).
    """
    if value is None:
        return None
    # bool is a subclass of int, so it has to be turned away by name.
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError(f"not a number: {short(value)}")
    # The feed's JSON is parsed to Decimal already: used as it is, not rebuilt from text.
    price = value if isinstance(value, Decimal) else Decimal(value)
    if not price.is_finite() or price <= 0:
        raise ValueError(f"not a positive finite number: {short(value)}")
    if price >= PRICE_CEILING or price.as_tuple().exponent < -MAX_PRICE_PLACES:
        raise ValueError(f"not a plausible price: {short(value)}")
    return price


def short(value: object) -> str:
    """A value as it may be shown in a log line or an error: its repr, cut short."""
    text = repr(value)
    if len(text) <= _MAX_SHOWN_CHARS:
        return text
    return text[: _MAX_SHOWN_CHARS - 3] + "..."
