"""Rows the store keeps, as typed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum

from watchers.rules import Rule, RuleState


class AlertKind(str, Enum):
    DROP = "drop"
    UNAVAILABLE = "unavailable"
    AVAILABLE = "available"


class AlertStatus(str, Enum):
    PENDING = "pending"
    HELD = "held"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class NewWatch:
    conversation_key: str
    user_id: str
    product_id: str
    product_name: str
    currency: str
    rule: Rule
    state: RuleState
    created_at: datetime


@dataclass(frozen=True)
class Watch:
    id: int
    conversation_key: str
    user_id: str
    product_id: str
    product_name: str
    currency: str
    rule: Rule
    state: RuleState
    created_at: datetime
    paused: bool = False
    """Paused while the feed says the product is unavailable."""


@dataclass(frozen=True)
class ProductHealth:
    """How the feed has been answering for one product."""

    product_id: str
    null_streak: int = 0
    unavailable: bool = False
    outages: int = 0


@dataclass(frozen=True)
class NewAlert:
    dedupe_key: str
    """One per watch crossing, so a poll that runs twice cannot alert twice."""
    conversation_key: str
    watch_id: int
    product_id: str
    product_name: str
    currency: str
    old_price: Decimal | None
    new_price: Decimal | None
    seen_at: datetime
    kind: AlertKind = AlertKind.DROP


@dataclass(frozen=True)
class Alert:
    id: int
    dedupe_key: str
    conversation_key: str
    watch_id: int
    product_id: str
    product_name: str
    currency: str
    old_price: Decimal | None
    new_price: Decimal | None
    seen_at: datetime
    status: AlertStatus
    attempts: int
    held_at: datetime | None
    last_error: str | None
    kind: AlertKind = AlertKind.DROP


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
    `watchers.rules.plain_move_cents`). The store applies it in bulk to every watch of the
    product that is unpaused, awaits no confirmation, has a comparable trigger and last
    saw exactly `previous`: those watches are never loaded one by one."""

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


@dataclass(frozen=True)
class Attempt:
    """One try at delivering an alert: when, what the alert's status became, and why."""

    at: datetime
    status: AlertStatus
    error: str | None


@dataclass(frozen=True)
class StateRecord:
    """One botbuilder state document with its e_tag."""

    value: bytes
    etag: int
