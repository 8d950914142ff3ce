"""Price history and its charts: the render cost of a poll in which 100 products drop,
and the bytes history takes per 10,000 products per year of changes."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Final, Sequence

from bench.databases import scratch_database
from charts.render import render_chart
from charts.service import ChartService
from domain.history import PricePoint
from domain.polls import PollChanges
from state.interfaces import Store
from state.postgres import PostgresStore
from state.sqlite import SqliteStore

START: Final = datetime(2026, 1, 1, tzinfo=timezone.utc)
CHANGES_PER_DAY: Final = 1
"""The stated change rate the yearly figure assumes: one price change per product per day
(a busy real shop). The mock feed's drift moves every price every 10 s, 8,640 a day:
multiply the yearly figure by the rate you expect."""
CHART_THREADS: Final = 2


@dataclass(frozen=True)
class ChartCost:
    charts: int
    cpu_ms_per_chart: float
    """Median CPU time of one render (thread CPU, on the render thread)."""
    poll_wall_ms: float
    """Wall time for every chart of the poll: 100 url_for at once on the thread pool."""
    poll_cpu_ms: float
    """The process's CPU over that, every thread and the store included."""
    mean_bytes: float


@dataclass(frozen=True)
class StorageCost:
    backend: str
    rows: int
    bytes_per_row: float
    products_per_year: int = 10_000

    @property
    def mb_per_year(self) -> float:
        """Extrapolated from the measured bytes per row."""
        rows = self.products_per_year * 365 * CHANGES_PER_DAY
        return rows * self.bytes_per_row / 1e6


def _history(rng: random.Random, days: int = 90) -> list[tuple[datetime, Decimal | None]]:
    price = Decimal(rng.randrange(2000, 50000)) / 100
    points: list[tuple[datetime, Decimal | None]] = []
    for day in range(days):
        if rng.random() < 0.03:
            points.append((START + timedelta(days=day), None))
            continue
        price = max(Decimal("1.00"), price + Decimal(rng.randrange(-500, 500)) / 100)
        points.append((START + timedelta(days=day, hours=rng.random()), price))
    return points


async def _seed(store: Store, products: int, days: int, rng: random.Random) -> None:
    """A poll per day over every product, each at its next price (changes only stored)."""
    histories = {f"p-{n:06d}": _history(rng, days) for n in range(products)}
    for day in range(days):
        prices = {pid: points[day][1] for pid, points in histories.items()}
        await store.watches.record_poll(
            PollChanges(prices=prices, seen_at=START + timedelta(days=day))
        )


async def chart_cost(work_dir: Path, charts: int = 100) -> ChartCost:
    """A poll in which `charts` products dropped: every chart rendered once, 100 alerts
    each asking for the link at once per product, on CHART_THREADS render threads."""
    store = SqliteStore(work_dir / "history-charts.sqlite3")
    await store.open()
    cpu: list[float] = []
    sizes: list[int] = []

    def measured(
        points: Sequence[PricePoint], now: datetime, currency: str | None, period: timedelta
    ) -> bytes:
        started = time.thread_time()
        png = render_chart(points, now, currency, period)
        cpu.append(time.thread_time() - started)
        sizes.append(len(png))
        return png

    try:
        await _seed(store, charts, 90, random.Random(5))
        now = START + timedelta(days=90)
        with ThreadPoolExecutor(CHART_THREADS, thread_name_prefix="chart") as threads:
            service = ChartService(
                store.history, store.charts, lambda: now, "http://b", render=measured,
                executor=threads,
            )  # fmt: skip
            ids = [f"p-{n:06d}" for n in range(charts)]
            wall, process = time.perf_counter(), time.process_time()
            asks = [service.url_for(pid, currency="USD") for pid in ids for _ in range(10)]
            urls = await asyncio.gather(*asks)
            wall, process = time.perf_counter() - wall, time.process_time() - process
        assert len(set(urls)) == charts and len(cpu) == charts, "one render per product"
        return ChartCost(
            charts,
            statistics.median(cpu) * 1000,
            wall * 1000,
            process * 1000,
            statistics.mean(sizes),
        )
    finally:
        await store.close()


async def storage_cost(work_dir: Path, products: int, days: int) -> list[StorageCost]:
    """Bytes per history row, measured on a SQLite file (its size after a checkpoint and
    VACUUM) and in PostgreSQL (pg_total_relation_size: table, index, TOAST)."""
    sqlite = SqliteStore(work_dir / "history-size.sqlite3")
    await sqlite.open()
    try:
        conn = sqlite.database.conn
        conn.execute("VACUUM")
        empty = _sqlite_bytes(conn)
        await _seed(sqlite, products, days, random.Random(9))
        conn.execute("VACUUM")
        [[rows]] = conn.execute("SELECT COUNT(*) FROM price_history").fetchall()
        results = [StorageCost("SQLite", rows, (_sqlite_bytes(conn) - empty) / rows)]
    finally:
        await sqlite.close()
    async with scratch_database("history") as url:
        postgres = PostgresStore(url)
        await postgres.open()
        try:
            await _seed(postgres, products, days, random.Random(9))
            pool = postgres.database.pool
            await pool.execute("VACUUM ANALYZE price_history")
            rows = await pool.fetchval("SELECT COUNT(*) FROM price_history")
            size = await pool.fetchval("SELECT pg_total_relation_size('price_history')")
            results.append(StorageCost("PostgreSQL", rows, size / rows))
        finally:
            await postgres.close()
    return results


def _sqlite_bytes(conn: object) -> int:
    [[pages]] = conn.execute("PRAGMA page_count").fetchall()  # type: ignore[attr-defined]
    [[size]] = conn.execute("PRAGMA page_size").fetchall()  # type: ignore[attr-defined]
    return int(pages * size)
