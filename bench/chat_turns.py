"""Chat turns through /api/messages: bot state on SQLite or PostgreSQL next to MemoryStorage.

Each simulated user alternates "watch" (the bot starts a dialog and asks which
product) and "cancel" (it ends it), so every turn reads and writes conversation state.
A comparison runs the two sides back to back, a few times over (`compare`).
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
PAIRS = 3
"""Back-to-back runs of each side in a comparison. Two runs of PostgreSQL's chat a minute
apart, on the same code, came to 0.61 and 0.82 of one MemoryStorage run (2026-12-07):
this machine's speed drifts more than the figure moves."""


@dataclass(frozen=True)
class ChatResult:
    storage: str
    messages: int
    per_second: float
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class ChatComparison:
    ours: ChatResult
    """The medians of our runs (rate, p50 and p99 each)."""
    memory: ChatResult
    """The medians of MemoryStorage's runs."""
    ratio: float
    """The median over pairs of our rate over MemoryStorage's in the same pair."""
    pairs: int


async def compare(
    storage: str, messages: int, work_dir: Path, pairs: int = PAIRS
) -> ChatComparison:
    """`storage` against MemoryStorage: `pairs` pairs of runs back to back (MemoryStorage
    first in one pair, ours first in the next), each run in a directory of its own, so
    the two sides of a pair see the same machine."""
    ours: list[ChatResult] = []
    memory: list[ChatResult] = []
    for pair in range(pairs):
        for kind in ("memory", storage) if pair % 2 == 0 else (storage, "memory"):
            run_dir = work_dir / f"chat-{storage}-{pair}-{kind}"
            run_dir.mkdir()
            (memory if kind == "memory" else ours).append(await run(kind, messages, run_dir))
    return ChatComparison(
        _medians(ours),
        _medians(memory),
        statistics.median(a.per_second / b.per_second for a, b in zip(ours, memory)),
        pairs,
    )


def _medians(runs: list[ChatResult]) -> ChatResult:
    return ChatResult(
        runs[0].storage,
        runs[0].messages,
        statistics.median(one.per_second for one in runs),
        statistics.median(one.p50_ms for one in runs),
        statistics.median(one.p99_ms for one in runs),
    )


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
