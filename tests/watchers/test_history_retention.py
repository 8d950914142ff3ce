"""The prune job also drops price history past PRICE_HISTORY_DAYS, and expired charts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.history import PricePoint
from domain.polls import PollChanges
from state.interfaces import Store, StoredChart
from tests.support.clock import FakeClock
from watchers.retention import Retention

pytestmark = pytest.mark.store_variants


async def test_old_history_goes_but_the_price_that_held_at_the_cutoff_stays(store: Store) -> None:
    clock = FakeClock()
    start = clock()
    for price in ("10", "11", "12"):
        changes = PollChanges(prices={"p-1": Decimal(price)}, seen_at=clock())
        await store.watches.record_poll(changes)
        clock.advance(timedelta(days=100).total_seconds())
    await store.charts.put(
        StoredChart("t" * 32, "p-1", "v", b"png", start + timedelta(days=30)), start
    )
    # Now day 300: with 150 days kept, the cutoff is day 150; day 100's 11 held then.
    retention = Retention(
        store.outbox,
        clock,
        days=30,
        watches=store.watches,
        history=store.history,
        history_days=150,
        charts=store.charts,
        events=store.events,
    )
    await retention.tick()
    assert await store.history.since("p-1", start - timedelta(days=1)) == [
        PricePoint(start + timedelta(days=100), Decimal("11")),
        PricePoint(start + timedelta(days=200), Decimal("12")),
    ]
    assert await store.charts.find("p-1", "v", start) is None, "the expired chart is gone"
