"""A period of price history summed up in the database (state/sql/history.py's PERIOD):
the same lowest, average, highest and current price as the Python rule
(domain.history.summarize) over every point, on every backend, from a handful of points."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.history import PricePoint, summarize, summary_of
from domain.polls import PollChanges
from state.interfaces import Store

pytestmark = pytest.mark.store_variants

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


async def record(store: Store, points: list[tuple[datetime, Decimal | None]]) -> None:
    for at, price in points:
        await store.watches.record_poll(PollChanges(prices={"p-1": price}, seen_at=at))


def wandering(rng: random.Random, count: int) -> list[tuple[datetime, Decimal | None]]:
    """A price that moves at odd moments, sometimes unavailable."""
    points, at, cents = [], T0, 20_000
    for _ in range(count):
        at += timedelta(seconds=rng.randrange(60, 86_400 * 3))
        if rng.random() < 0.05:
            points.append((at, None))
            continue
        cents = max(100, cents + rng.randrange(-900, 900))
        points.append((at, Decimal(cents) / 100))
    return points


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_databases_summary_is_the_python_one(store: Store, seed: int) -> None:
    points = wandering(random.Random(seed), 300)
    await record(store, points)
    end = points[-1][0] + timedelta(days=2)
    for start in (T0 - timedelta(days=1), points[100][0] - timedelta(hours=5)):
        every = await store.history.since("p-1", start)
        expected = summarize(every, start, end)
        period = await store.history.period("p-1", start, end, 20)
        assert summary_of(period) == expected


async def test_a_few_points_a_slice_keep_every_slices_low_and_high(store: Store) -> None:
    points = wandering(random.Random(7), 1000)
    await record(store, points)
    start, end = T0, points[-1][0]
    period = await store.history.period("p-1", start, end, 40)
    assert len(period.points) <= 5 * 40
    every = await store.history.since("p-1", start)
    width = (end - start) / 40
    for n in range(40):
        begin, finish = start + width * n, start + width * (n + 1)
        inside = [p.price for p in every if begin <= p.at < finish and p.price is not None]
        kept = [p.price for p in period.points if begin <= p.at < finish and p.price is not None]
        if inside:
            assert (min(kept), max(kept)) == (min(inside), max(inside))
    unavailable = [p.at for p in every if p.price is None]
    assert {p.at for p in period.points if p.price is None} <= set(unavailable)


async def test_a_period_before_the_history_or_without_one_has_no_summary(store: Store) -> None:
    period = await store.history.period("p-1", T0, T0 + timedelta(days=1), 10)
    assert period.points == () and summary_of(period) is None
    await record(store, [(T0 + timedelta(days=5), Decimal("10"))])
    later = await store.history.period("p-1", T0, T0 + timedelta(days=10), 10)
    assert later.points == (PricePoint(T0 + timedelta(days=5), Decimal("10")),)
    summary = summary_of(later)
    assert summary is not None and summary.start == T0 + timedelta(days=5)
    assert summary.average == Decimal("10.00")


async def test_the_price_holding_at_the_start_counts_from_the_start(store: Store) -> None:
    await record(store, [(T0, Decimal("30")), (T0 + timedelta(days=10), Decimal("10"))])
    start, end = T0 + timedelta(days=5), T0 + timedelta(days=15)
    summary = summary_of(await store.history.period("p-1", start, end, 10))
    assert summary is not None
    assert summary.start == start
    assert summary.high == PricePoint(start, Decimal("30"))
    assert summary.average == Decimal("20.00")
