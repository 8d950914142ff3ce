"""Memory: the app's RSS with 100,000 watches loaded, minus its RSS with none."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aiohttp import ClientSession

from bench.fanout import ADMIN_TOKEN
from bench.processes import Process, free_port
from bench.seeding import seed_sqlite

MB = 1024 * 1024


@dataclass(frozen=True)
class MemoryResult:
    watches: int
    empty_mb: float
    loaded_mb: float

    @property
    def difference_mb(self) -> float:
        return self.loaded_mb - self.empty_mb


async def _rss_after_polls(name: str, database: Path, feed_url: str, work_dir: Path) -> float:
    port = free_port()
    bot = Process(
        name,
        ["app.py"],
        {
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{database}",
            "ADMIN_TOKEN": ADMIN_TOKEN,
            "PRICE_FEED_URL": feed_url,
            "POLL_INTERVAL_SECONDS": "3600",
            "LOG_LEVEL": "WARNING",
        },
        work_dir,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as http:
            await bot.wait_http(http, f"{base}/healthz")
            for _ in range(2):  # the first poll after a start evaluates every watch
                async with http.get(
                    f"{base}/api/notify", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
                ) as response:
                    response.raise_for_status()
        return bot.rss_bytes() / MB
    finally:
        bot.stop()


async def run(products: int, watches: int, work_dir: Path) -> MemoryResult:
    port = free_port()
    feed = Process(
        "memory-feed",
        ["-m", "bench.feed", "--port", str(port), "--products", str(products)],
        {},
        work_dir,
    )
    feed_url = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as http:
            await feed.wait_http(http, f"{feed_url}/products")
        loaded_db = work_dir / "memory-loaded.sqlite3"
        await seed_sqlite(loaded_db, products, watches)
        empty = await _rss_after_polls(
            "memory-empty", work_dir / "memory-empty.sqlite3", feed_url, work_dir
        )
        loaded = await _rss_after_polls("memory-loaded", loaded_db, feed_url, work_dir)
        return MemoryResult(watches, empty, loaded)
    finally:
        feed.stop()
