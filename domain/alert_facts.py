"""What an alert's card says besides the alert itself: the rule that fired, the lowest
price lately, and where its price chart is; and what an alert message says of its
product alike to everyone one drop alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.alerts import Alert, AlertKind
from domain.local_times import LocalDays, LocalTimes
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


@dataclass(frozen=True)
class DropNews:
    """What an alert message shows of its product: the same for everyone one price drop
    (or other news of one product) alerts, whoever they are and whatever their watch. The
    parts of a message made of this alone are made once per drop (dialogs/drop_parts.py),
    and this is their key: it holds everything they are made of."""

    kind: AlertKind
    product_name: str
    currency: str
    old_price: Decimal | None
    new_price: Decimal | None
    low: LowestPrice | None = None
    chart_url: str | None = None
    days: LocalDays | None = None
    """How the reader reads the low's day; None when there is no low (no day is shown)."""


def drop_news(alert: Alert, facts: AlertFacts, times: LocalTimes) -> DropNews:
    """The alert's news of its product, as a reader with these `times` reads it."""
    return DropNews(
        alert.kind,
        alert.product_name,
        alert.currency,
        alert.old_price,
        alert.new_price,
        facts.low,
        facts.chart_url,
        None if facts.low is None else times.days,
    )
