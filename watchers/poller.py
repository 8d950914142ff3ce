"""Poll tick: one batched price request for every watched product, rules, outbox rows."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Final, Mapping, Sequence

from state.models import AlertKind, NewAlert, PollChanges, ProductHealth, Watch
from state.store import Store
from watchers.clock import Clock
from watchers.feed import FeedError, PriceFeed
from watchers.metrics import Metrics
from watchers.rules import evaluate

logger = logging.getLogger(__name__)

UNAVAILABLE_AFTER_NULLS: Final = 5
"""Polls in a row a healthy feed must answer null before watchers hear of it."""


@dataclass(frozen=True)
class PollReport:
    products: int
    prices: int
    alerts: int
    feed_error: str | None = None


def _notice(watch: Watch, kind: AlertKind, outage: int, now: datetime, price: Decimal | None) -> NewAlert:
    return NewAlert(
        dedupe_key=f"watch-{watch.id}-outage-{outage}-{kind.value}",
        conversation_key=watch.conversation_key,
        watch_id=watch.id,
        product_id=watch.product_id,
        product_name=watch.product_name,
        currency=watch.currency,
        old_price=None,
        new_price=price,
        seen_at=now,
        kind=kind,
    )


def _drop(watch: Watch, crossing: int, price: Decimal, now: datetime) -> NewAlert:
    return NewAlert(
        dedupe_key=f"watch-{watch.id}-crossing-{crossing}",
        conversation_key=watch.conversation_key,
        watch_id=watch.id,
        product_id=watch.product_id,
        product_name=watch.product_name,
        currency=watch.currency,
        old_price=watch.rule.start_price,
        new_price=price,
        seen_at=now,
    )


def plan_poll(
    watches: Sequence[Watch],
    prices: Mapping[str, Decimal | None],
    health: Mapping[str, ProductHealth],
    now: datetime,
    unavailable_after: int = UNAVAILABLE_AFTER_NULLS,
) -> PollChanges:
    """What one poll changes. `prices` holds only what the feed answered: a price,
    or None for an explicit null; anything else never reaches here."""
    changes = PollChanges()
    by_product: dict[str, list[Watch]] = defaultdict(list)
    for watch in watches:
        by_product[watch.product_id].append(watch)
    for product_id, product_watches in by_product.items():
        if product_id not in prices:
            continue
        price = prices[product_id]
        before = health.get(product_id, ProductHealth(product_id))
        after = _plan_product(product_watches, price, before, now, unavailable_after, changes)
        if after != before:
            changes.health.append(after)
    return changes


def _plan_product(
    watches: list[Watch],
    price: Decimal | None,
    health: ProductHealth,
    now: datetime,
    unavailable_after: int,
    changes: PollChanges,
) -> ProductHealth:
    if price is None:
        streak = health.null_streak + 1
        if health.unavailable or streak < unavailable_after:
            return replace(health, null_streak=streak)
        outage = health.outages + 1
        for watch in watches:
            changes.pauses.append((watch.id, True))
            changes.alerts.append(_notice(watch, AlertKind.UNAVAILABLE, outage, now, None))
        return ProductHealth(health.product_id, streak, unavailable=True, outages=outage)
    for watch in watches:
        if watch.paused:
            changes.pauses.append((watch.id, False))
            changes.alerts.append(
                _notice(watch, AlertKind.AVAILABLE, health.outages, now, price)
            )
        outcome = evaluate(watch.rule.trigger_price, watch.state, price)
        if outcome.state != watch.state:
            changes.states.append((watch.id, outcome.state))
        if outcome.fired:
            changes.alerts.append(_drop(watch, outcome.state.crossings, price, now))
    return replace(health, null_streak=0, unavailable=False)


def _warn_about_gaps(asked: Sequence[str], prices: Mapping[str, Decimal | None]) -> None:
    """One line per poll for products the feed had no usable price for."""
    unanswered = [product_id for product_id in asked if product_id not in prices]
    unknown = [product_id for product_id, price in prices.items() if price is None]
    if unanswered:
        logger.warning(
            "the feed gave no usable price for %d product(s), e.g. %s",
            len(unanswered),
            ", ".join(unanswered[:5]),
        )
    if unknown:
        logger.warning(
            "the feed says %d product(s) are unavailable, e.g. %s",
            len(unknown),
            ", ".join(unknown[:5]),
        )


class Poller:
    """Asks the feed for every watched product, then evaluates only what can change.

    A watch's rule state changes only when its product's price changes, while a huge
    drop awaits confirmation, when the feed says null, or right after the watch is made.
    Everything else is skipped, so a tick over 100,000 quiet watches stays near the cost
    of fetching the prices. After a restart the first tick evaluates everything.
    """

    def __init__(self, store: Store, feed: PriceFeed, clock: Clock, metrics: Metrics) -> None:
        self._store = store
        self._feed = feed
        self._clock = clock
        self._metrics = metrics
        self._last_prices: dict[str, Decimal | None] = {}
        self._evaluated_up_to_watch = 0

    async def tick(self) -> PollReport:
        self._metrics.polls.inc()
        product_ids = await self._store.watched_product_ids()
        if not product_ids:
            return PollReport(0, 0, 0)
        try:
            prices = await self._feed.prices(product_ids)
        except FeedError as error:
            self._metrics.feed_errors.inc()
            logger.warning("poll skipped, the feed failed: %s", error)
            return PollReport(len(product_ids), 0, 0, str(error))
        _warn_about_gaps(product_ids, prices)
        recheck = await self._store.products_to_recheck(self._evaluated_up_to_watch)
        moved = {
            product_id: price
            for product_id, price in prices.items()
            if price is None
            or product_id in recheck.product_ids
            or self._last_prices.get(product_id, _UNSEEN) != price
        }
        watches = await self._store.watches_for_products(list(moved))
        health = await self._store.product_health(list(moved))
        changes = plan_poll(watches, moved, health, self._clock())
        created = await self._store.record_poll(changes)
        self._last_prices = dict(prices)
        self._evaluated_up_to_watch = recheck.newest_watch_id
        self._metrics.alerts_created.inc(created)
        if created:
            logger.info("poll created %d alert(s)", created)
        return PollReport(len(product_ids), sum(p is not None for p in prices.values()), created)


_UNSEEN: Final = object()
