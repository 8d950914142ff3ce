"""An alert in the outbox, its delivery attempts, and what a failed send means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Sequence

from domain.rules import RuleKind


class AlertKind(str, Enum):
    DROP = "drop"
    UNAVAILABLE = "unavailable"
    AVAILABLE = "available"
    PROTECT = "protect"
    """A price protection watch fired: old_price is the price paid."""
    SHOP_SILENT = "shop_silent"
    """The watch's shop page has given no reading for a day (blocked, gone, failing)."""


def crossing_kind(rule_kind: RuleKind) -> AlertKind:
    """What a watch's crossing alert is."""
    return AlertKind.PROTECT if rule_kind is RuleKind.PROTECT else AlertKind.DROP


class AlertStatus(str, Enum):
    PENDING = "pending"
    HELD = "held"
    SENT = "sent"
    FAILED = "failed"


class FailureKind(str, Enum):
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    UNREACHABLE = "unreachable"
    PERMANENT = "permanent"
    GONE = "gone"
    """The bot is no longer in the conversation (Teams' 403 BotNotInConversationRoster):
    given up at once, and the conversation's watches stop (`domain.departures`)."""


@dataclass(frozen=True)
class SendFailure:
    """Why a send failed, as the retry policy needs it."""

    kind: FailureKind
    description: str
    status: int | None = None
    retry_after_seconds: float | None = None


def dedupe_key(watch_id: int, event: str) -> str:
    """One key per watch event (a crossing, an outage), so a poll that runs twice cannot
    alert twice."""
    return f"watch-{watch_id}-{event}"


@dataclass(frozen=True)
class NewAlert:
    dedupe_key: str
    conversation_key: str
    watch_id: int
    product_id: str
    product_name: str
    currency: str
    old_price: Decimal | None
    new_price: Decimal | None
    seen_at: datetime
    kind: AlertKind = AlertKind.DROP
    protected_until: datetime | None = None
    """A price protection alert's window end."""
    trigger_price: Decimal | None = None
    """The trigger the crossing it alerts for was judged against (drop and price
    protection alerts): the alert is the record of that crossing `why` tells."""


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
    """Delivery attempts so far; an open alert's are all failures."""
    held_at: datetime | None
    last_error: str | None
    kind: AlertKind = AlertKind.DROP
    last_failure: FailureKind | None = None
    """What the alert's last failed attempt meant, None if it has none."""
    protected_until: datetime | None = None
    """A price protection alert's window end."""
    quiet_until: datetime | None = None
    """Set once the alert was held for the user's quiet hours: when that hold ended."""
    activity_id: str | None = None
    """The id the channel gave the message the alert went in (shared by every alert of
    that message); None before it is sent, or when the channel gave none."""
    card_done: str | None = None
    """What a button of its card did, in words ("Snoozed until tomorrow 09:00."), once
    one did: the card is shown with that and no buttons."""
    trigger_price: Decimal | None = None
    """The trigger its crossing was judged against (`NewAlert.trigger_price`); None for
    other kinds, and for alerts made before it was recorded."""


@dataclass(frozen=True)
class Delivered:
    """A message the channel took, and the id it gave it (None when it gave none)."""

    activity_id: str | None = None


@dataclass(frozen=True)
class SentMessage:
    """Alerts sent as one message, when, and the id the channel gave it (None: none)."""

    alert_ids: Sequence[int]
    at: datetime
    activity_id: str | None = None


@dataclass(frozen=True)
class Attempt:
    """One try at delivering an alert: when, what the alert's status became, and why."""

    at: datetime
    status: AlertStatus
    error: str | None


@dataclass(frozen=True)
class FailedAttempt:
    """One alert's failed try, and when to try it again (None: give up)."""

    alert_id: int
    retry_at: datetime | None
