"""A watch: who asked to hear about which product (its owner, `domain.owners`), under
which rule, and its rule state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from domain.departures import Departure
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
    expires_at: datetime | None = None
    """When a price protection watch's window ends; None for other watches."""
    owner_name: str | None = None
    """The display name of the member who made it (`user_id`), as the channel gave it;
    None when unknown (a watch made before names were kept)."""


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
    expires_at: datetime | None = None
    """When a price protection watch's window ends; None for other watches."""
    paused: bool = False
    """Paused while the feed says the product is unavailable."""
    paused_by_user: bool = False
    snoozed_until: datetime | None = None
    sleep_crossings: int = 0
    """Its crossing count when it fell asleep: a higher one on waking means it fired
    while asleep (`domain.sleep.owes_wake_alert`)."""
    owner_name: str | None = None
    """The display name of the member who made it (`user_id`); None when unknown."""
    left_at: datetime | None = None
    """When it stopped because its owner or the bot left the conversation
    (`domain.departures`); None while they are there. The retention job deletes it
    ALERT_RETENTION_DAYS after."""
    left_why: Departure | None = None
    """Who left, when `left_at` is set."""
    version: int = 0
    """Bumped by every write of the watch's state: a write made from an earlier read
    names the version it read and loses to any change made since (compare-and-set)."""
    user_version: int = 0
    """Bumped by every change its owner makes (`WatchStore.change`), never by a poll: an
    alert card's buttons carry it, and a press on a card made before the owner's last
    change is out of date (`domain.watch_changes.as_card_showed`). A price that moved
    since the card was made leaves its buttons good."""


def same_watch(watches: Sequence[Watch], product_id: str, *, protection: bool) -> Watch | None:
    """A person's watch of this product of the same sort, if they have one: one price
    watch and one price protection per product per person, never two of either."""
    return next(
        (
            watch
            for watch in watches
            if watch.product_id == product_id and (watch.expires_at is not None) == protection
        ),
        None,
    )
