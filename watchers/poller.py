"""Poll tick: one batched price request for every watched product, rules, outbox rows."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Mapping, Sequence

from state.models import NewAlert, Watch
from state.store import Store
from watchers.clock import Clock
from watchers.feed import FeedError, PriceFeed
from watchers.rules import RuleState, evaluate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollReport:
    products: int
    prices: int
    alerts: int
    feed_error: str | None = None


@dataclass(frozen=True)
class PollPlan:
    states: list[tuple[int, RuleState]]
    alerts: list[NewAlert]


def plan_poll(
    watches: Sequence[Watch], prices: Mapping[str, Decimal | None], now: datetime
) -> PollPlan:
    """What one poll changes: new rule states, and an alert per watch that fired."""
    states: list[tuple[int, RuleState]] = []
    alerts: list[NewAlert] = []
    for watch in watches:
        if watch.product_id not in prices:
            continue
        price = prices[watch.product_id]
        outcome = evaluate(watch.rule.trigger_price, watch.state, price)
        if outcome.state != watch.state:
            states.append((watch.id, outcome.state))
        if outcome.fired and price is not None:
            alerts.append(
                NewAlert(
                    dedupe_key=f"watch-{watch.id}-crossing-{outcome.state.crossings}",
                    conversation_key=watch.conversation_key,
                    watch_id=watch.id,
                    product_id=watch.product_id,
                    product_name=watch.product_name,
                    currency=watch.currency,
                    old_price=watch.rule.start_price,
                    new_price=price,
                    seen_at=now,
                )
            )
    return PollPlan(states, alerts)


class Poller:
    def __init__(self, store: Store, feed: PriceFeed, clock: Clock) -> None:
        self._store = store
        self._feed = feed
        self._clock = clock

    async def tick(self) -> PollReport:
        product_ids = await self._store.watched_product_ids()
        if not product_ids:
            return PollReport(0, 0, 0)
        try:
            prices = await self._feed.prices(product_ids)
        except FeedError as error:
            logger.warning("poll skipped, the feed failed: %s", error)
            return PollReport(len(product_ids), 0, 0, str(error))
        watches = await self._store.watches_for_products(list(prices))
        plan = plan_poll(watches, prices, self._clock())
        created = await self._store.record_poll(plan.states, plan.alerts)
        if created:
            logger.info("poll found %d new price drop alert(s)", created)
        return PollReport(len(product_ids), len(prices), created)
