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
from dialogs.commands.history import HistoryCommand
from dialogs.history_reply import HistoryReplies
from domain.history import PricePoint
from domain.local_times import LocalTimes
from domain.polls import PollChanges
from domain.rules import initial_state, percent_rule
from domain.watches import Watch
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
class HistoryStall:
    points: int
    """Points of each product's year."""
    at_once: int
    longest_stall_ms: float
    """The event loop's longest wait between two 1 ms ticks while they were answered."""
    first_seconds: float
    """Wall time until every answer of the first round (nothing cached)."""
    again_seconds: float
    """The same requests again: the periods and charts are cached."""


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
        points: Sequence[PricePoint],
        now: datetime,
        currency: str | None,
        period: timedelta,
        zone: str | None,
    ) -> bytes:
        started = time.thread_time()
        png = render_chart(points, now, currency, period, zone)
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


class _Watching:
    """The conversations' watches, as Watchlist.of answers them."""

    def __init__(self, watches: dict[str, Watch]) -> None:
        self._watches = watches

    async def of(self, conversation_key: str, owner: str | None = None) -> list[Watch]:
        return [self._watches[conversation_key]]


def _watch(n: int, created_at: datetime) -> Watch:
    rule = percent_rule(Decimal("200.00"), Decimal(20))
    return Watch(
        id=n + 1,
        conversation_key=f"conv-{n}",
        user_id=f"user-{n}",
        product_id=f"p-{n:06d}",
        product_name=f"Product {n}",
        currency="USD",
        rule=rule,
        state=initial_state(rule),
        created_at=created_at,
    )


async def history_stall(
    work_dir: Path, points: int = 300_000, at_once: int = 4, days: int = 365
) -> HistoryStall:
    """`history X 365d` from `at_once` conversations at once, each about its own product
    with a year of `points` changes (what the mock feed's drift writes in about 100
    days): the event loop's longest stall while the answers are made, through
    HistoryReplies on a SQLite store (on the loop's thread, as the app runs it)."""
    store = SqliteStore(work_dir / "history-stall.sqlite3")
    await store.open()
    end = START + timedelta(days=days)
    step = (end - START) / points
    rng = random.Random(3)
    conn = store.database.conn
    for n in range(at_once):
        cents, rows = 20_000, []
        for i in range(points):
            cents = max(100, cents + rng.randrange(-50, 51))
            price = None if rng.random() < 0.001 else str(Decimal(cents) / 100)
            rows.append((f"p-{n:06d}", (START + step * i).timestamp(), price))
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO price_history (product_id, at, price) VALUES (?, ?, ?)", rows)
        conn.execute("COMMIT")
    try:
        with ThreadPoolExecutor(CHART_THREADS, thread_name_prefix="chart") as threads:
            charts = ChartService(
                store.history, store.charts, lambda: end, "http://b", executor=threads
            )
            watches = {f"conv-{n}": _watch(n, START) for n in range(at_once)}
            replies = HistoryReplies(
                _Watching(watches),  # type: ignore[arg-type]
                None,  # type: ignore[arg-type]  # every product is watched: no catalog
                charts,
                lambda: end,
            )
            times = LocalTimes("Asia/Tokyo", end)

            async def ask() -> float:
                started = time.perf_counter()
                answers = await asyncio.gather(
                    *(
                        replies.reply(key, HistoryCommand(watch.product_name, days), times)
                        for key, watch in watches.items()
                    )
                )
                assert all(not isinstance(answer, str) for answer in answers), answers
                return time.perf_counter() - started

            stop = asyncio.Event()
            watcher = asyncio.ensure_future(_longest_stall(stop))
            first = await ask()
            again = await ask()
            stop.set()
            stall = await watcher
        return HistoryStall(points, at_once, stall * 1000, first, again)
    finally:
        await store.close()


async def _longest_stall(stop: asyncio.Event) -> float:
    """The loop's longest wait beyond a 1 ms sleep, until `stop`."""
    longest, last = 0.0, time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        longest, last = max(longest, now - last - 0.001), now
    return longest
