"""Poll at scale: 10,000 products, 100,000 watches, 1% of products drop in one tick."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from aiohttp import ClientSession

from bench.databases import scratch_database
from bench.feed import catalog
from bench.processes import Process, free_port
from bench.seeding import seed_watches
from domain.clock import utc_now
from feed.client import HttpPriceFeed
from metrics import Metrics
from state.interfaces import Store
from state.postgres import PostgresStore
from state.sqlite import SqliteStore
from watchers.poller import Poller

ROUNDS = 11
"""Drop rounds; each drops a different 1% of the products, and the medians are reported."""


@dataclass(frozen=True)
class PollScaleResult:
    products: int
    watches: int
    rounds: int
    first_tick_seconds: float
    """The first poll over a new database: every watch gets its first look."""
    restart_tick_seconds: float
    """The first poll of a new Poller on the same database, as after a restart."""
    quiet_tick_seconds: float
    drop_tick_seconds: float
    fetch_floor_seconds: float
    drop_tick_over_floor: float
    """The median over rounds of each drop tick over the fetches just before and after
    it: pairs taken moments apart, so a machine that speeds up or slows down between
    rounds (a shared VM does) moves both sides of each pair together."""
    alerts: int
    expected_alerts: int


async def run(
    products: int, watches: int, work_dir: Path, rounds: int = ROUNDS, backend: str = "sqlite"
) -> PollScaleResult:
    """The poll over a store of this backend: "sqlite" (a file) or "postgres" (a scratch
    database on the benchmark server)."""
    if backend == "postgres":
        async with scratch_database("poll") as url:
            return await _run(PostgresStore(url), products, watches, work_dir, rounds)
    return await _run(
        SqliteStore(work_dir / "poll-scale.sqlite3"), products, watches, work_dir, rounds
    )


async def _run(
    store: Store, products: int, watches: int, work_dir: Path, rounds: int
) -> PollScaleResult:
    await store.open()
    try:
        await seed_watches(store, products, watches)
        return await _measure(store, products, watches, work_dir, rounds)
    finally:
        await store.close()


async def _measure(
    store: Store, products: int, watches: int, work_dir: Path, rounds: int
) -> PollScaleResult:
    port = free_port()
    feed_process = Process(
        "feed", ["-m", "bench.feed", "--port", str(port), "--products", str(products)], {}, work_dir
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as http:
            await feed_process.wait_http(http, f"{url}/products")
            feed = HttpPriceFeed(http, url)
            poller = Poller(store.watches, feed, utc_now, Metrics())
            ids = [product.id for product in catalog(products)]
            first = await _timed(poller.tick)
            quiet: list[float] = []
            drop: list[float] = []
            floor: list[float] = []
            ratios: list[float] = []
            alerts = expected = 0
            for round_number in range(rounds):
                await store.checkpoint()  # as the app's checkpoint job does between polls
                quiet.append(await _timed(poller.tick))
                before = await _timed(lambda: feed.prices(ids))
                async with http.post(
                    f"{url}/bench/drop", params={"percent": "1", "round": str(round_number)}
                ) as response:
                    dropped = len((await response.json())["dropped"])
                started = time.perf_counter()
                report = await poller.tick()
                drop.append(time.perf_counter() - started)
                after = await _timed(lambda: feed.prices(ids))
                floor += [before, after]
                ratios.append(drop[-1] / statistics.mean([before, after]))
                alerts += report.alerts
                expected += dropped * (watches // products)
            restart = await _timed(Poller(store.watches, feed, utc_now, Metrics()).tick)
        return PollScaleResult(
            products,
            watches,
            rounds,
            first,
            restart,
            statistics.median(quiet),
            statistics.median(drop),
            statistics.median(floor),
            statistics.median(ratios),
            alerts,
            expected,
        )
    finally:
        feed_process.stop()


async def _timed(work) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    await work()
    return time.perf_counter() - started
