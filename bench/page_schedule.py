"""Shop pages at scale: 10,000 page products on 100 stand-in hosts, fetched every hour.

Two simulated hours of the `pages` job (`ShopPages.refresh` every 10 s) against one
stand-in shop on loopback that answers for 100 host names (bench/shop.py): the pages
are added as a watch's first reading would add them, the job runs tick after tick on a
simulated clock (the fetcher's gate and the store's due times read it), and every fetch
is a real HTTP request, read and stored. The pages start as a running bot has them:
read before, with the ETag the shop gave, next fetches spread over the hour. Nothing
changes at the shop, so every fetch after each host's robots.txt should be a 304.

Measured: each host's most requests in flight at once (the stand-in counts them by
Host), the least simulated time between two requests to one host, the share of 304s in
the second hour, how many pages each hour fetched, and the job's CPU per page: fetch,
read, store, and the stand-in shop's own answer, which runs in the same process (so an
upper bound).
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import AsyncIterator, Sequence

from aiohttp import web

from bench.databases import scratch_database
from bench.shop import NamesToLoopback, StandInShop, etag_of
from domain.pages import PageProduct, PageReading, page_product_id
from domain.products import Product
from domain.rules import initial_state, percent_rule
from domain.watches import NewWatch
from feed.client import PriceBatch
from metrics import Metrics
from shops.fetcher import FetchTerms, PoliteFetcher
from shops.pages import PageTerms, ShopPages
from state.interfaces import Store
from state.postgres import PostgresStore
from state.sqlite import SqliteStore
from watchers.poller import Poller
from watchers.prices import Prices


class _NoFeed:
    """No feed product is watched here: the poll asks the feed for nothing."""

    async def products(self) -> list[Product]:
        return []

    async def prices(self, ids: Sequence[str]) -> dict[str, Decimal | None]:
        return {}

    async def price_batches(self, ids: Sequence[str]) -> AsyncIterator[PriceBatch]:
        for _ in ():
            yield PriceBatch([], {})


TICK_SECONDS = 10.0
GAP_SECONDS = 10.0
START = datetime(2026, 12, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class ScheduleResult:
    backend: str
    pages: int
    hosts: int
    interval_seconds: float
    max_in_flight_per_host: int
    min_gap_seconds: float
    """The least simulated time between two requests to one host (start to start)."""
    fetched_first_hour: int
    fetched_second_hour: int
    share_304_second_hour: float
    cpu_ms_per_page: float
    """The `pages` job's, per page fetched."""
    poll_cpu_ms_per_page: float
    """A poll over every page product when nothing moved (their last readings read and
    compared), per page."""
    failures: int


class _SimulatedTime:
    def __init__(self) -> None:
        self.seconds = 0.0

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return START + timedelta(seconds=self.seconds)

    async def sleep(self, seconds: float) -> None:
        """The gate asks to wait: time moves on to then. Nothing suspends between the
        gate working the wait out and this, so another host's gate, asking next, sees the
        time moved and waits only what is left of its own gap."""
        self.seconds += max(0.0, seconds)


async def run(
    work_dir: Path,
    pages: int = 10_000,
    hosts: int = 100,
    interval_seconds: float = 3600.0,
    backend: str = "sqlite",
) -> ScheduleResult:
    if backend == "postgres":
        async with scratch_database("page_schedule") as url:
            return await _run(PostgresStore(url), pages, hosts, interval_seconds, "PostgreSQL")
    store = SqliteStore(work_dir / f"pages-{pages}.sqlite3")
    return await _run(store, pages, hosts, interval_seconds, "SQLite")


async def _run(
    store: Store, pages: int, hosts: int, interval_seconds: float, backend: str
) -> ScheduleResult:
    simulated = _SimulatedTime()
    shop = StandInShop(clock=simulated.monotonic)
    per_host = pages // hosts
    for n in range(per_host):
        shop.single_offer(f"/item/{n}", name=f"Item {n}")
    runner = web.AppRunner(shop.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    names = [f"shop-{h:03d}.test" for h in range(hosts)]
    fetcher = PoliteFetcher(
        FetchTerms(
            "PriceWatchBot/1.0 (+https://bench.example/bot)",
            min_interval_seconds=GAP_SECONDS,
            allowed_hosts=frozenset(names),
        ),
        monotonic=simulated.monotonic,
        sleep=simulated.sleep,
        resolver=NamesToLoopback(),
    )
    await store.open()
    try:
        shop_pages = ShopPages(
            store.pages,
            fetcher,
            simulated.now,
            PageTerms(interval_seconds, TICK_SECONDS),
            random.Random(1),
        )
        await _seed(store, shop, shop_pages, names, per_host, port, interval_seconds)
        poller = Poller(
            store.watches,
            Prices(_NoFeed(), shop_pages),
            simulated.now,
            Metrics(),
            pages=shop_pages,
        )
        await poller.tick()  # every watch's first look
        started = time.process_time()
        await poller.tick()
        poll_cpu = time.process_time() - started
        first = await _hour(shop_pages, simulated, interval_seconds)
        first_gap = _min_gap(shop)
        shop.visits.clear()
        second = await _hour(shop_pages, simulated, interval_seconds)
        statuses = [visit.status for visit in shop.visits if visit.path != "/robots.txt"]
    finally:
        await fetcher.close()
        await store.close()
        await runner.cleanup()
    return ScheduleResult(
        backend=backend,
        pages=per_host * hosts,
        hosts=hosts,
        interval_seconds=interval_seconds,
        max_in_flight_per_host=shop.max_in_flight_per_host,
        min_gap_seconds=min(first_gap, _min_gap(shop)),
        fetched_first_hour=first.fetched,
        fetched_second_hour=second.fetched,
        share_304_second_hour=statuses.count(304) / len(statuses) if statuses else 0.0,
        cpu_ms_per_page=(first.cpu + second.cpu) / max(1, first.fetched + second.fetched) * 1000,
        poll_cpu_ms_per_page=poll_cpu / (per_host * hosts) * 1000,
        failures=first.failures + second.failures,
    )


async def _seed(
    store: Store,
    shop: StandInShop,
    shop_pages: ShopPages,
    names: list[str],
    per_host: int,
    port: int,
    interval_seconds: float,
) -> None:
    """The pages as a running bot has them: each read before with the ETag the shop
    gave, its next fetch somewhere in the coming interval, one watch on it."""
    rng = random.Random(2)
    watches = []
    now = START
    for name in names:
        for n in range(per_host):
            url = f"http://{name}:{port}/item/{n}"
            page = PageProduct(page_product_id(url), url, None, f"Item {n}", "EUR")
            etag = etag_of(shop.item_html(f"/item/{n}"))
            reading = PageReading(Decimal("49.99"), etag, None, now)
            spread = timedelta(seconds=interval_seconds * rng.random())
            await store.pages.add(page, name, reading, now + spread)
            rule = percent_rule(Decimal("49.99"), Decimal(20))
            watches.append(
                NewWatch(
                    f"c-{name}-{n}",
                    "u",
                    page.product_id,
                    page.name,
                    "EUR",
                    rule,
                    initial_state(rule),
                    now,
                )
            )
    await store.watches.add_many(watches)


@dataclass
class _Hour:
    fetched: int = 0
    cpu: float = 0.0
    failures: int = 0


async def _hour(shop_pages: ShopPages, simulated: _SimulatedTime, seconds: float) -> _Hour:
    hour = _Hour()
    end = simulated.seconds + seconds
    while simulated.seconds < end:
        started = time.process_time()
        report = await shop_pages.refresh()
        hour.cpu += time.process_time() - started
        hour.fetched += report.fetched + report.unchanged + report.failed
        hour.failures += report.failed
        simulated.seconds = (math.floor(simulated.seconds / TICK_SECONDS) + 1) * TICK_SECONDS
    return hour


def _min_gap(shop: StandInShop) -> float:
    """The least time between the starts of two requests to one host."""
    starts: dict[str, list[float]] = defaultdict(list)
    for visit in shop.visits:
        starts[visit.headers.get("Host", "")].append(visit.started)
    gaps = [
        later - earlier
        for times in starts.values()
        for earlier, later in zip(sorted(times), sorted(times)[1:])
    ]
    return min(gaps, default=float("inf"))


if __name__ == "__main__":
    import asyncio
    import sys
    import tempfile

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as work:
        print(asyncio.run(run(Path(work), pages=size, hosts=max(1, size // 100))))
