"""Fan-out: one price drop, N conversations watching; time to the last alert, CPU per alert."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable

from aiohttp import ClientSession

from bench.processes import Process, free_port

ADMIN_TOKEN = "bench-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
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


Step = Callable[[ClientSession, str], Awaitable[None]]


async def _nothing(http: ClientSession, bot_url: str) -> None:
    return None


async def _fan_out(
    bot_argv: list[str],
    bot_env: dict[str, str],
    match: str,
    opening_text: str,
    conversations: int,
    work_dir: Path,
    trigger: Step,
    prepare: Step = _nothing,
) -> FanOutResult:
    """Open the conversations, then time from `trigger` to the last matching post."""
    channel, channel_url = start_channel(work_dir, match)
    port = free_port()
    bot = Process(f"bot-{port}", bot_argv, {"PORT": str(port), **bot_env}, work_dir)
    bot_url = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as http:
            await channel.wait_http(http, f"{channel_url}/stats")
            await bot.wait_http(http, f"{bot_url}/healthz")
            await _open_conversations(http, bot_url, channel_url, conversations, opening_text)
            await prepare(http, bot_url)
            cpu_before = bot.cpu_seconds()
            started = time.time()
            await trigger(http, bot_url)
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


async def _poll_now(http: ClientSession, bot_url: str) -> None:
    """A first poll sees the starting price, as it would in real use."""
    async with http.get(f"{bot_url}/api/notify", headers=ADMIN) as response:
        response.raise_for_status()


async def _drop_headphones(http: ClientSession, bot_url: str) -> None:
    async with http.put(
        f"{bot_url}/feed/products/p-100", json={"price": 99.99}, headers=ADMIN
    ) as response:
        response.raise_for_status()


async def _seed_notify(http: ClientSession, bot_url: str) -> None:
    async with http.get(f"{bot_url}/api/notify", timeout=None) as response:
        response.raise_for_status()


async def run_pricewatch(conversations: int, work_dir: Path) -> FanOutResult:
    """Our app polling every second: the clock runs from the price change to the last alert."""
    env = {
        "DATABASE_URL": f"sqlite:///{work_dir / f'fanout-{conversations}.sqlite3'}",
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "POLL_INTERVAL_SECONDS": "1",
        "MOCK_FEED_DRIFT": "false",
        "DELIVERY_MAX_PER_SECOND": "0",
    }
    return await _fan_out(
        ["app.py"],
        env,
        "Price drop",
        "watch headphones 20%",
        conversations,
        work_dir,
        trigger=_drop_headphones,
        prepare=_poll_now,
    )


async def run_reference(conversations: int, work_dir: Path) -> FanOutResult:
    """The seed's sequential notify loop over in-memory references."""
    return await _fan_out(
        ["-m", "bench.reference_bot"],
        {},
        "proactive hello",
        "hello",
        conversations,
        work_dir,
        trigger=_seed_notify,
    )
