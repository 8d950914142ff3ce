"""What one poll found and changes, and what the poller remembers between polls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.alerts import NewAlert
from domain.products import ProductHealth
from domain.rules import RuleState


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
    product that follows it (`domain.rules.FOLLOWS_MOVE`): those watches are never
    loaded one by one."""

    product_id: str
    previous: Decimal
    price: Decimal
    price_cents_up: int
    """`cents_up(price)`: the watch fires or stays disarmed when this is at most its
    trigger in cents."""
    seen_at: datetime


@dataclass(frozen=True)
class PollChanges:
    """Everything one poll writes, in one transaction."""

    moves: list[PriceMove] = field(default_factory=list)
    states: list[tuple[int, RuleState]] = field(default_factory=list)
    pauses: list[tuple[int, bool]] = field(default_factory=list)
    health: list[ProductHealth] = field(default_factory=list)
    alerts: list[NewAlert] = field(default_factory=list)
    prices: dict[str, Decimal | None] = field(default_factory=dict)
    """The prices the poll evaluated these products at, remembered with the result."""
    seen_at: datetime | None = None
    """When the poll saw `prices`: the time of the price history points they make."""
