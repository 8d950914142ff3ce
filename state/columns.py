"""How prices and amounts are written in text columns, by every backend."""

from __future__ import annotations

from decimal import Decimal


def dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def price_text(price: Decimal) -> str:
    """One text per value ("123.4" for 123.40 too, never an exponent): a watch's last
    price is matched as text when a price move is applied in bulk."""
    written = format(price, "f")  # every digit, unlike normalize(), which rounds to 28
    return written.rstrip("0").rstrip(".") if "." in written else written


def price_text_or_none(price: Decimal | None) -> str | None:
    return None if price is None else price_text(price)
