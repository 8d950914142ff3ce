"""Chart links: one render per version of a product's history, whoever asks and how often."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Sequence

import pytest

from charts.service import CHART_LIFETIME, ChartService
from domain.history import PricePoint
from domain.polls import PollChanges
from state.interfaces import Store
from tests.support.clock import FakeClock
from tests.support.stores import second_instance

pytestmark = pytest.mark.store_variants

BASE = "https://bot.example"


class CountingRenderer:
    def __init__(self) -> None:
        self.calls: list[tuple[int, datetime, str | None]] = []
        self.zones: list[str | None] = []
        self.threads: set[str] = set()

    def __call__(
        self,
        points: Sequence[PricePoint],
        now: datetime,
        currency: str | None,
        _: timedelta,
        zone: str | None,
    ) -> bytes:
        self.calls.append((len(points), now, currency))
        self.zones.append(zone)
        self.threads.add(threading.current_thread().name)
        return b"\x89PNG" + str(len(self.calls)).encode()


async def price_seen(store: Store, clock: FakeClock, value: str) -> None:
    changes = PollChanges(prices={"p-100": Decimal(value)}, seen_at=clock())
    await store.watches.record_poll(changes)


def service(store: Store, clock: FakeClock, renderer: CountingRenderer) -> ChartService:
    return ChartService(store.history, store.charts, clock, BASE + "/", render=renderer)


async def test_a_hundred_alerts_for_one_product_share_one_render_and_one_url(
    store: Store,
) -> None:
    clock, renderer = FakeClock(), CountingRenderer()
    await price_seen(store, clock, "199.99")
    charts = service(store, clock, renderer)
    urls = await asyncio.gather(*(charts.url_for("p-100", currency="USD") for _ in range(100)))
    assert len(set(urls)) == 1 and len(renderer.calls) == 1
    [url] = set(urls)
    assert url is not None and url.startswith(f"{BASE}/api/charts/") and url.endswith(".png")
    token = url.removeprefix(f"{BASE}/api/charts/").removesuffix(".png")
    assert len(token) >= 32
    assert renderer.threads != {threading.current_thread().name}, "rendered off the loop"
    stored = await charts.chart(token)
    assert stored is not None and stored.png == b"\x89PNG1"


async def test_a_new_price_makes_a_new_chart_and_an_old_link_keeps_working(store: Store) -> None:
    clock, renderer = FakeClock(), CountingRenderer()
    charts = service(store, clock, renderer)
    assert await charts.url_for("p-100") is None, "no history yet"
    await price_seen(store, clock, "199.99")
    first = await charts.url_for("p-100")
    clock.advance(30)
    assert await charts.url_for("p-100") == first, "same price, same day: no render"
    await price_seen(store, clock, "149.99")
    second = await charts.url_for("p-100")
    assert second != first and len(renderer.calls) == 2
    assert await charts.chart(first.rsplit("/", 1)[1][:-4]) is not None  # type: ignore[union-attr]


async def test_a_link_lives_its_lifetime_then_goes(store: Store) -> None:
    clock, renderer = FakeClock(), CountingRenderer()
    charts = service(store, clock, renderer)
    await price_seen(store, clock, "199.99")
    url = await charts.url_for("p-100")
    assert url is not None
    token = url.rsplit("/", 1)[1][:-4]
    clock.advance((CHART_LIFETIME - timedelta(seconds=1)).total_seconds())
    assert await charts.chart(token) is not None
    clock.advance(1)
    assert await charts.chart(token) is None


async def test_an_unchanged_price_is_redrawn_once_a_day(store: Store) -> None:
    clock, renderer = FakeClock(), CountingRenderer()
    charts = service(store, clock, renderer)
    await price_seen(store, clock, "199.99")
    for _ in range(3):
        await charts.url_for("p-100")
        clock.advance(timedelta(hours=6).total_seconds())
    assert len(renderer.calls) == 2, "12:00 and 18:00 on one day, 00:00 on the next"


@pytest.mark.store_variants("postgres")  # instances share charts through PostgreSQL
async def test_a_second_instance_uses_the_chart_the_first_rendered(store: Store) -> None:
    clock = FakeClock()
    await price_seen(store, clock, "199.99")
    first, second = CountingRenderer(), CountingRenderer()
    url = await service(store, clock, first).url_for("p-100")
    async with second_instance(store) as other:
        assert await service(other, clock, second).url_for("p-100") == url  # type: ignore[arg-type]
    assert (len(first.calls), len(second.calls)) == (1, 0)


async def test_a_chart_per_zone_and_period_each_drawn_once(store: Store) -> None:
    clock, renderer = FakeClock(), CountingRenderer()
    charts = service(store, clock, renderer)
    await price_seen(store, clock, "199.99")
    tokyo = [await charts.url_for("p-100", zone="Asia/Tokyo") for _ in range(3)]
    plain = await charts.url_for("p-100")
    year = await charts.url_for("p-100", days=365)
    assert len(set(tokyo)) == 1 and len({tokyo[0], plain, year}) == 3
    assert renderer.zones == ["Asia/Tokyo", None, None]


async def test_a_long_history_is_drawn_from_a_few_hundred_points(store: Store) -> None:
    clock, renderer = FakeClock(), CountingRenderer()
    start = clock()
    rows = [
        PollChanges(
            prices={"p-100": Decimal(100 + (n * 37) % 91)}, seen_at=start + timedelta(hours=n)
        )
        for n in range(2000)
    ]
    for changes in rows:
        await store.watches.record_poll(changes)
    clock.advance(timedelta(hours=2000).total_seconds())
    await service(store, clock, renderer).url_for("p-100")
    [(points, _, _)] = renderer.calls
    assert points <= 400
