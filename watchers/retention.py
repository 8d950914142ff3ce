"""Retention: finished alerts and their attempts go after ALERT_RETENTION_DAYS, so the
outbox's tables and indexes stop growing with every alert ever sent, and so do watch
events (each watch keeps its EVENTS_KEPT_PER_WATCH most recent at most) and watches
stopped because their owner or the bot left the conversation (`domain.departures`),
unless they were resumed meanwhile; price history
after PRICE_HISTORY_DAYS (each product keeps its last point older than that: the price
that held when the kept history begins); expired charts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Final

from domain.clock import Clock
from state.interfaces import (
    ChartStore,
    OutboxStore,
    PriceHistoryStore,
    WatchEventStore,
    WatchStore,
)

logger = logging.getLogger(__name__)

PRUNE_BATCH: Final = 5000
"""Alerts deleted per transaction: no prune holds the outbox for long."""


class Retention:
    def __init__(
        self,
        outbox: OutboxStore,
        clock: Clock,
        days: int,
        *,
        watches: WatchStore,
        history: PriceHistoryStore,
        history_days: int = 365,
        charts: ChartStore,
        events: WatchEventStore,
    ) -> None:
        self._outbox = outbox
        self._watches = watches
        self._clock = clock
        self._keep = timedelta(days=days)
        self._history = history
        self._keep_history = timedelta(days=history_days)
        self._charts = charts
        self._events = events

    async def tick(self) -> int:
        """Prune what is past retention, a batch at a time; return how many alerts went."""
        now = self._clock()
        # Price protection ends with its window; until this runs it is asleep.
        expired = await self._watches.remove_expired(now)
        if expired:
            logger.info("removed %d price protection watch(es) past their window", expired)
        left = await self._watches.remove_left(now - self._keep)
        if left:
            logger.info("deleted %d watch(es) stopped %s ago when someone left", left, self._keep)
        pruned = await _in_batches(self._outbox.prune, now - self._keep)
        if pruned:
            logger.info("pruned %d finished alert(s) older than %s", pruned, self._keep)
        events = await _in_batches(self._events.prune, now - self._keep)
        if events:
            logger.info("pruned %d watch event(s)", events)
        await self._prune_history()
        return pruned

    async def _prune_history(self) -> None:
        now = self._clock()
        points = await _in_batches(self._history.prune, now - self._keep_history)
        if points:
            logger.info("pruned %d price point(s) older than %s", points, self._keep_history)
        charts = await _in_batches(self._charts.prune, now)
        if charts:
            logger.info("pruned %d expired chart(s)", charts)


async def _in_batches(prune: Callable[[datetime, int], Awaitable[int]], moment: datetime) -> int:
    total = 0
    while batch := await prune(moment, PRUNE_BATCH):
        total += batch
        if batch < PRUNE_BATCH:
            break
    return total
