"""Rows the store keeps, as typed values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

from watchers.rules import Rule, RuleState


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


@dataclass(frozen=True)
class NewAlert:
    dedupe_key: str
    """One per watch crossing, so a poll that runs twice cannot alert twice."""
    conversation_key: str
    watch_id: int
    product_id: str
    product_name: str
    currency: str
    old_price: Decimal
    new_price: Decimal
    seen_at: datetime


@dataclass(frozen=True)
class Alert:
    id: int
    dedupe_key: str
    conversation_key: str
    watch_id: int
    product_id: str
    product_name: str
    currency: str
    old_price: Decimal
    new_price: Decimal
    seen_at: datetime
    status: AlertStatus
    attempts: int
    held_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class StateRecord:
    """One botbuilder state document with its e_tag."""

    value: str
    etag: int
