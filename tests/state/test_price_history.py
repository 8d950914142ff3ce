"""Price history on every backend: changes only, null spells as one point, retention that
keeps the price that held at the cutoff; stored charts any instance can serve."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.history import PricePoint
from domain.polls import PollChanges
from state.interfaces import Store, StoredChart
from tests.support.chat import World

pytestmark = pytest.mark.store_variants

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def price(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


async def poll(store: Store, days: float, **prices: str | None) -> None:
    changes = PollChanges(
        prices={pid.replace("_", "-"): price(p) for pid, p in prices.items()}, seen_at=at(days)
    )
    await store.watches.record_poll(changes)


async def test_a_point_is_kept_only_when_the_price_changes(store: Store) -> None:
    await poll(store, 0, p_1="10.00", p_2="5")
    await poll(store, 1, p_1="10", p_2="5")  # rechecked at the same price: 10.00 is 10
    await poll(store, 2, p_1="9.50")
    await poll(store, 3, p_1="10")
    assert await store.history.since("p-1", at(-1)) == [
        PricePoint(at(0), Decimal("10")),
        PricePoint(at(2), Decimal("9.5")),
        PricePoint(at(3), Decimal("10")),
    ]
    assert await store.history.since("p-2", at(-1)) == [PricePoint(at(0), Decimal("5"))]
    assert await store.history.latest("p-1") == PricePoint(at(3), Decimal("10"))
    assert await store.history.latest("p-3") is None


async def test_a_run_of_nulls_is_one_unavailable_point(store: Store) -> None:
    await poll(store, 0, p_1="10")
    for day in (1, 2, 3, 4):
        await poll(store, day, p_1=None)
    await poll(store, 5, p_1="12")
    await poll(store, 6, p_1=None)
    assert await store.history.since("p-1", at(-1)) == [
        PricePoint(at(0), Decimal("10")),
        PricePoint(at(1), None),
        PricePoint(at(5), Decimal("12")),
        PricePoint(at(6), None),
    ]


async def test_since_starts_with_the_price_that_held_when_the_period_began(store: Store) -> None:
    await poll(store, 0, p_1="10")
    await poll(store, 10, p_1="8")
    await poll(store, 20, p_1="9")
    assert await store.history.since("p-1", at(15)) == [
        PricePoint(at(10), Decimal("8")),
        PricePoint(at(20), Decimal("9")),
    ]
    assert await store.history.since("p-1", at(25)) == [PricePoint(at(20), Decimal("9"))]


async def test_lows_since_gives_each_products_lowest_price_and_when(store: Store) -> None:
    await poll(store, 0, p_1="7", p_2="30")
    await poll(store, 10, p_1="8", p_2="20")
    await poll(store, 20, p_1="9", p_2=None)
    await poll(store, 21, p_3=None)
    lows = await store.history.lows_since(["p-1", "p-2", "p-3", "p-4"], at(5))
    assert lows == {
        "p-1": PricePoint(at(5), Decimal("7")),  # held from before the period
        "p-2": PricePoint(at(10), Decimal("20")),
    }


async def test_retention_keeps_the_last_point_before_the_cutoff(store: Store) -> None:
    for day, value in enumerate(["10", "11", "12", "13"]):
        await poll(store, day * 10, p_1=value)  # days 0, 10, 20, 30
    await poll(store, 5, p_2="99")  # one old point only: it stays
    assert await store.history.prune(at(25), limit=1) == 1
    assert await store.history.prune(at(25), limit=100) == 1
    assert await store.history.prune(at(25), limit=100) == 0
    assert await store.history.since("p-1", at(25)) == [
        PricePoint(at(20), Decimal("12")),
        PricePoint(at(30), Decimal("13")),
    ]
    assert await store.history.since("p-1", at(-100)) == await store.history.since("p-1", at(25))
    assert await store.history.latest("p-2") == PricePoint(at(5), Decimal("99"))


async def test_a_poll_writes_history_as_it_evaluates_prices(world: World) -> None:
    chat = world.chat()
    await chat.say("watch headphones 20%")
    await world.poller.tick()
    world.clock.advance(60)
    await world.poller.tick()  # unchanged: nothing
    world.set_price("p-100", "149.99")
    world.clock.advance(60)
    await world.poller.tick()
    points = await world.store.history.since("p-100", world.clock() - timedelta(days=1))
    assert [p.price for p in points] == [Decimal("199.99"), Decimal("149.99")]


def chart(token: str, version: str, expires: datetime, png: bytes = b"png") -> StoredChart:
    return StoredChart(token, "p-1", version, png, expires)


async def test_a_chart_is_stored_once_per_version_and_served_until_it_expires(
    store: Store,
) -> None:
    first = await store.charts.put(chart("a" * 32, "v1", at(30)), at(0))
    assert first.token == "a" * 32
    second = await store.charts.put(chart("b" * 32, "v1", at(30), b"other"), at(0))
    assert (second.token, second.png) == ("a" * 32, b"png"), "the first writer's chart is kept"
    assert await store.charts.find("p-1", "v1", at(1)) == first
    assert await store.charts.find("p-1", "v2", at(1)) is None
    assert await store.charts.by_token("a" * 32, at(29)) == first
    assert await store.charts.by_token("a" * 32, at(30)) is None, "expired"
    assert await store.charts.by_token("b" * 32, at(1)) is None
    replaced = await store.charts.put(chart("c" * 32, "v1", at(60)), at(31))
    assert replaced.token == "c" * 32, "an expired chart of the version gives way"
    await store.charts.extend("c" * 32, at(90))
    assert (await store.charts.by_token("c" * 32, at(80))) is not None
    await store.charts.put(chart("d" * 32, "v2", at(40)), at(31))
    assert await store.charts.prune(at(50), limit=100) == 1
    assert await store.charts.by_token("c" * 32, at(50)) is not None
