"""Watch events on every backend: recorded, read back oldest first, pruned by age and
bounded per watch."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.watch_events import EVENTS_KEPT_PER_WATCH, EventKind, WatchEvent
from state.interfaces import Store

pytestmark = pytest.mark.store_variants

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def event(watch_id: int, minutes: float, kind: EventKind = EventKind.ARMED) -> WatchEvent:
    return WatchEvent(watch_id, at(minutes), kind, price=Decimal(minutes + 100))


async def test_events_round_trip_oldest_first_per_watch(store: Store) -> None:
    created = WatchEvent(
        7, at(0), EventKind.CREATED, price=Decimal("199.99"), trigger_price=Decimal("159.99")
    )
    changed = WatchEvent(
        7, at(5), EventKind.TARGET_CHANGED, trigger_price=Decimal("139.5"), detail="159.99"
    )
    held = WatchEvent(
        7, at(9), EventKind.HELD, alert_id=42, detail="Robert'); DROP TABLE watch_events;-- 🎧"
    )
    await store.events.record([created, changed])
    await store.events.record([event(8, 1)])
    await store.events.record([held])
    await store.events.record([])

    assert await store.events.of_watch(7, limit=10) == [created, changed, held]
    assert await store.events.of_watch(7, limit=2) == [changed, held]
    assert await store.events.of_watch(8, limit=10) == [event(8, 1)]
    assert await store.events.of_watch(9, limit=10) == []


async def test_a_prune_takes_the_events_older_than_the_moment(store: Store) -> None:
    await store.events.record([event(1, 0), event(1, 10), event(2, 5), event(2, 20)])

    assert await store.events.prune(at(10), limit=100) == 2

    assert await store.events.of_watch(1, limit=10) == [event(1, 10)]
    assert await store.events.of_watch(2, limit=10) == [event(2, 20)]
    assert await store.events.prune(at(10), limit=100) == 0


async def test_a_prune_keeps_each_watchs_most_recent_events_only(store: Store) -> None:
    busy = [event(1, minute) for minute in range(EVENTS_KEPT_PER_WATCH + 3)]
    await store.events.record(busy)
    await store.events.record([event(2, minute) for minute in range(3)])

    assert await store.events.prune(at(-1), limit=100) == 3

    assert await store.events.of_watch(1, limit=100) == busy[3:]
    assert len(await store.events.of_watch(2, limit=100)) == 3


async def test_a_prune_goes_a_batch_at_a_time(store: Store) -> None:
    await store.events.record([event(watch, 0) for watch in range(1, 6)])
    await store.events.record([event(1, minute) for minute in range(1, EVENTS_KEPT_PER_WATCH + 3)])

    assert await store.events.prune(at(0.5), limit=4) == 4
    assert await store.events.prune(at(0.5), limit=4) == 3  # 1 old, 2 beyond the bound
    assert await store.events.prune(at(0.5), limit=4) == 0
    kept = await store.events.of_watch(1, limit=100)
    assert len(kept) == EVENTS_KEPT_PER_WATCH and kept[0] == event(1, 3)
