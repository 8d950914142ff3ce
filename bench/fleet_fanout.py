"""Fan-out by a fleet: 3 instances of the app on one PostgreSQL database, one shared feed.

Conversations are opened round-robin over the instances; one price drops; every instance
claims its share of the alerts (SKIP LOCKED). Timed from the price change to the last
alert at the channel; CPU is the three bot processes' together, per alert.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from aiohttp import ClientSession

from bench.databases import scratch_database
from bench.fanout import ADMIN_TOKEN, open_conversations, start_channel, wait_for_matches
from bench.feed import BENCH_TOKEN
from bench.processes import Process, free_port

INSTANCES = 3
PRODUCT = "p-00001"


@dataclass(frozen=True)
class FleetFanOutResult:
    instances: int
    conversations: int
    seconds: float
    cpu_ms_per_alert: float
    delivered: int


async def run(conversations: int, work_dir: Path, instances: int = INSTANCES) -> FleetFanOutResult:
    async with scratch_database("fleet") as database_url:
        return await _run(database_url, conversations, work_dir, instances)


async def _run(
    database_url: str, conversations: int, work_dir: Path, instances: int
) -> FleetFanOutResult:
    feed_port = free_port()
    feed = Process(
        "fleet-feed",
        ["-m", "bench.feed", "--port", str(feed_port), "--products", "10"],
        {},
        work_dir,
    )
    feed_url = f"http://127.0.0.1:{feed_port}"
    channel, channel_url = start_channel(work_dir, "Price drop")
    ports = [free_port() for _ in range(instances)]
    bots = [
        Process(
            f"fleet-bot-{n}",
            ["app.py"],
            {
                "PORT": str(port),
                "DATABASE_URL": database_url,
                "PRICE_FEED_URL": feed_url,
                "ADMIN_TOKEN": ADMIN_TOKEN,
                "POLL_INTERVAL_SECONDS": "1",
                "MOCK_FEED_DRIFT": "false",
                "DELIVERY_MAX_PER_SECOND": "0",
                "LOG_LEVEL": "WARNING",
            },
            work_dir,
        )
        for n, port in enumerate(ports)
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with ClientSession() as http:
            await feed.wait_http(http, f"{feed_url}/products")
            await channel.wait_http(http, f"{channel_url}/stats")
            for bot, url in zip(bots, urls):
                await bot.wait_http(http, f"{url}/healthz")
            for n, url in enumerate(urls):  # round-robin over the instances
                numbers = range(n, conversations, instances)
                await open_conversations(http, url, channel_url, numbers, f"watch {PRODUCT} 20%")
            async with http.get(f"{feed_url}/prices", params={"ids": PRODUCT}) as response:
                half = round(float((await response.json())["prices"][PRODUCT]) / 2, 2)
            cpu_before = sum(bot.cpu_seconds() for bot in bots)
            started = time.time()
            async with http.put(
                f"{feed_url}/products/{PRODUCT}",
                json={"price": half},  # a 50% drop: no glitch guard to wait for
                headers={"Authorization": f"Bearer {BENCH_TOKEN}"},
            ) as response:
                response.raise_for_status()
            stats = await wait_for_matches(http, channel_url, conversations)
            cpu = sum(bot.cpu_seconds() for bot in bots) - cpu_before
    finally:
        for bot in bots:
            bot.stop()
        channel.stop()
        feed.stop()
    return FleetFanOutResult(
        instances,
        conversations,
        stats["last_match_at"] - started,
        cpu * 1000 / max(stats["matched"], 1),
        stats["conversations"],
    )
