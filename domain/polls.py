"""What one poll found and changes, and what the poller remembers between polls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.products import ProductHealth
from domain.watch_changes import Change


@dataclass(frozen=True)
class Recheck:
    """Products whose watches need a look whatever their price does."""

    product_ids: frozenset[str]
    newest_watch_id: int


@dataclass(frozen=True)
class PollMemory:
    """What the poller knew after its last poll, kept across restarts, so the first
    poll after a start skips what the last one already evaluated."""

    prices: dict[str, Decimal]
    """Each product's last price its watches were evaluated at."""
    evaluated_up_to_watch: int
    """Every watch up to this id has been evaluated at least once."""


@dataclass(frozen=True)
class PriceMove:
    """A product's price moved from `previous` to `price`, a plain move (see
    `domain.rules.plain_move_cents`). The store applies it in bulk to every watch of the
    product that follows it (`state/rule_sql.py`): those watches are never loaded one by
    one."""

    product_id: str
    previous: Decimal
    price: Decimal
    price_cents_up: int
    """`cents_up(price)`: the price reaches a trigger when this is at most the trigger
    in cents."""
    seen_at: datetime


@dataclass(frozen=True)
class PollChanges:
    """Everything one poll writes, in one transaction."""

    moves: list[PriceMove] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    """The watches evaluated one by one: each written only if still at the version it
    was worked out from."""
    health: list[ProductHealth] = field(default_factory=list)
    prices: dict[str, Decimal | None] = field(default_factory=dict)
    """The prices the poll evaluated these products at, remembered with the result."""
    seen_at: datetime | None = None
    """When the poll saw `prices`: the time of the price history points they make."""


@dataclass(frozen=True)
class Recorded:
    """What a poll's write did."""

    alerts: int
    """Alerts made."""
    conflicts: list[int] = field(default_factory=list)
    """Watches changed since the poll worked out their change: nothing of theirs was
    written; the poll works them out again from a fresh read."""
