"""What an alert's card says besides the alert itself: the rule that fired, the lowest
price lately, and where its price chart is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.rules import Rule


@dataclass(frozen=True)
class LowestPrice:
    """The lowest price a product had over a window, and when it had it."""

    price: Decimal
    at: datetime


@dataclass(frozen=True)
class AlertFacts:
    rule: Rule | None = None
    """The watch's rule; None when the watch is gone (then the card offers no actions)."""
    low: LowestPrice | None = None
    """The lowest price in the last `LOW_WINDOW_DAYS`, when known."""
    chart_url: str | None = None
    """A public URL of the product's price-history chart (PNG), when there is one."""
    owner_id: str = ""
    """The user id of the member whose watch it is ("" when not known, or the watch gone)."""
    owner_name: str | None = None
    """Their display name, when known: a group's alert names its owner."""
    watch_version: int = 0
    """The watch's `user_version` now: its card's buttons carry it."""


UNKNOWN = AlertFacts()
LOW_WINDOW_DAYS = 90
