"""Fan-out: one price drop, N conversations watching; time to the last alert, CPU per alert."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from bench.processes import Process, free_port

ADMIN_TOKEN = "bench-admin-token"
CHANNEL_LATENCY_MS = 20


@dataclass(frozen=True)
class FanOutResult:
    conversations: int
    seconds: float
    cpu_ms_per_alert: float
    delivered: int


def _activity(channel_url: str, n: int, text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "channelId": "emulator",
        "serviceUrl": channel_url,
        "conversation": {"id": f"bench-{n}"},
        "from": {"id": f"user-{n}", "name": "User"},
        "recipient": {"id": "bot", "name": "Bot"},
        "text": text,
    }


async def _open_conversations(
    http: ClientSession, bot_url: str, channel_url: str, count: int, text: str
) -> None:
    gate = asyncio.Semaphore(16)

    async def one(n: int) -> None:
        async with (
            gate,
            http.post(f"{bot_url}/api/messages", json=_activity(channel_url, n, text)) as response,
        ):
            if response.status not in (200, 201):
                raise RuntimeError(f"opening conversation {n}: HTTP {response.status}")

    await asyncio.gather(*(one(n) for n in range(count)))


async def _wait_for_matches(
    http: ClientSession, channel_url: str, count: int, timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        async with http.get(f"{channel_url}/stats") as response:
            stats: dict[str, Any] = await response.json()
        if stats["matched"] >= count or time.monotonic() > deadline:
            return stats
        await asyncio.sleep(0.01)


def start_channel(
    log_dir: Path, match: str, latency_ms: float = CHANNEL_LATENCY_MS
) -> tuple[Process, str]:
    """A stand-in channel process counting posts whose text contains `match`."""
    port = free_port()
    process = Process(
        f"channel-{port}",
        ["-m", "bench.channel", "--port", str(port), "--latency-ms", str(latency_ms)]
        + ["--match", match],
        {},
        log_dir,
    )
    return process, f"http://127.0.0.1:{port}"


async def run_pricewatch(conversations: int, work_dir: Path) -> FanOutResult:
    channel, channel_url = start_channel(work_dir, "Price drop")
    port = free_port()
    bot = Process(
        "pricewatch-fanout",
        ["app.py"],
        {
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{work_dir / 'fanout.sqlite3'}",
            "ADMIN_TOKEN": ADMIN_TOKEN,
            "POLL_INTERVAL_SECONDS": "1",
            "MOCK_FEED_DRIFT": "false",
            "DELIVERY_MAX_PER_SECOND": "0",
        },
        work_dir,
    )
    bot_url = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as http:
            await channel.wait_http(http, f"{channel_url}/stats")
            await bot.wait_http(http, f"{bot_url}/healthz")
            await _open_conversations(
                http, bot_url, channel_url, conversations, "watch headphones 20%"
            )
            async with http.get(  # a first poll sees the starting price, as in real use
                f"{bot_url}/api/notify", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
            ) as response:
                response.raise_for_status()
            cpu_before = bot.cpu_seconds()
            started = time.time()
            async with http.put(
                f"{bot_url}/feed/products/p-100",
                json={"price": 99.99},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            ) as response:
                response.raise_for_status()
            stats = await _wait_for_matches(http, channel_url, conversations, timeout=300)
            cpu = bot.cpu_seconds() - cpu_before
        return FanOutResult(
            conversations,
            stats["last_match_at"] - started,
            cpu * 1000 / max(stats["matched"], 1),
            stats["conversations"],
        )
    finally:
        bot.stop()
        channel.stop()


async def run_reference(conversations: int, work_dir: Path) -> FanOutResult:
    channel, channel_url = start_channel(work_dir, "proactive hello")
    port = free_port()
    bot = Process("reference-bot", ["-m", "bench.reference_bot", "--port", str(port)], {}, work_dir)
    bot_url = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as http:
            await channel.wait_http(http, f"{channel_url}/stats")
            await bot.wait_http(http, f"{bot_url}/healthz")
            await _open_conversations(http, bot_url, channel_url, conversations, "hello")
            cpu_before = bot.cpu_seconds()
            started = time.time()
            async with http.get(f"{bot_url}/api/notify", timeout=None) as response:
                response.raise_for_status()
            stats = await _wait_for_matches(http, channel_url, conversations, timeout=60)
            cpu = bot.cpu_seconds() - cpu_before
        return FanOutResult(
            conversations,
            stats["last_match_at"] - started,
            cpu * 1000 / max(stats["matched"], 1),
            stats["conversations"],
        )
    finally:
        bot.stop()
        channel.stop()
