"""A watch: who asked to hear about which product, under which rule, and its rule state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.rules import Rule, RuleState


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
