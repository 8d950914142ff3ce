"""Chat turns through /api/messages: bot state on SQLite next to MemoryStorage.

Each simulated user alternates "watch" (the bot starts a dialog and asks which
product) and "cancel" (it ends it), so every turn reads and writes conversation state.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from aiohttp import ClientSession

from bench.databases import scratch_database
from bench.fanout import ADMIN_TOKEN, start_channel
from bench.processes import Process, free_port

USERS = 16


@dataclass(frozen=True)
class ChatResult:
    storage: str
    messages: int
    per_second: float
    p50_ms: float
    p99_ms: float


async def run(storage: str, messages: int, work_dir: Path) -> ChatResult:
    """Bot state on "sqlite", "postgres" (a scratch database) or "memory"."""
    if storage == "postgres":
        async with scratch_database("chat") as url:
            return await _run(storage, url, messages, work_dir)
    return await _run(
        storage, f"sqlite:///{work_dir / f'chat-{storage}.sqlite3'}", messages, work_dir
    )


async def _run(storage: str, database_url: str, messages: int, work_dir: Path) -> ChatResult:
    channel, channel_url = start_channel(work_dir, "Which product", latency_ms=0)
    port = free_port()
    argv = ["-m", "bench.memory_state_app"] if storage == "memory" else ["app.py"]
    bot = Process(
        f"chat-{storage}",
        argv,
        {
            "PORT": str(port),
            "DATABASE_URL": database_url,
            "ADMIN_TOKEN": ADMIN_TOKEN,
            "MOCK_FEED_DRIFT": "false",
            "LOG_LEVEL": "WARNING",
        },
        work_dir,
    )
    bot_url = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    try:
        async with ClientSession() as http:
            await channel.wait_http(http, f"{channel_url}/stats")
            await bot.wait_http(http, f"{bot_url}/healthz")

            async def user(n: int, turns: int) -> None:
                for turn in range(turns):
                    activity = {
                        "type": "message",
                        "channelId": "emulator",
                        "serviceUrl": channel_url,
                        "conversation": {"id": f"chat-{n}"},
                        "from": {"id": f"user-{n}"},
                        "recipient": {"id": "bot"},
                        "text": "watch" if turn % 2 == 0 else "cancel",
                    }
                    started = time.perf_counter()
                    async with http.post(f"{bot_url}/api/messages", json=activity) as response:
                        if response.status not in (200, 201):
                            raise RuntimeError(f"turn failed: HTTP {response.status}")
                    latencies.append(time.perf_counter() - started)

            await asyncio.gather(*(user(n, 4) for n in range(USERS)))  # warm up
            latencies.clear()
            started = time.perf_counter()
            await asyncio.gather(*(user(n, messages // USERS) for n in range(USERS)))
            elapsed = time.perf_counter() - started
        cuts = statistics.quantiles(latencies, n=100)
        return ChatResult(
            storage, len(latencies), len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000
        )
    finally:
        bot.stop()
        channel.stop()
