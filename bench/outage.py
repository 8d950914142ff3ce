"""A database outage: PostgreSQL goes away for 30 s in the middle of a fan-out.

The app reaches its database through a TCP proxy the benchmark can cut: every open
connection is closed and new ones are refused, as when the database host restarts.
Before the cut some alerts are out and some in flight; during it another price drops.
Measured: whether every alert still arrives (none lost), how many arrived twice (at most
the turns in flight at the cut), how long after the database returned the last one
arrived, and that the same process recovered without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from aiohttp import ClientSession

from bench.databases import scratch_database
from bench.fanout import (
    ADMIN,
    ADMIN_TOKEN,
    channel_stats,
    open_conversations,
    poll_now,
    set_price,
    start_channel,
)
from bench.processes import Process, free_port

OUTAGE_SECONDS = 30.0
CONCURRENCY = 4
CHANNEL_LATENCY_MS = 100


@dataclass(frozen=True)
class OutageResult:
    conversations: int
    outage_seconds: float
    expected: int
    delivered: int
    """Distinct (conversation, alert) pairs that arrived."""
    duplicates: int
    in_flight_bound: int
    """Turns that can be past their last store call when it goes (DELIVERY_CONCURRENCY):
    each may send, then fail to record it, and its alert goes again."""
    recovered_seconds: float
    """From the database's return to the last alert at the channel."""
    same_process: bool
    unhealthy_during: bool


class CuttableProxy:
    """A TCP proxy to PostgreSQL: `cut()` closes every connection and refuses new ones
    until `restore()`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(
            _pipe(reader, up_writer), _pipe(up_reader, writer), return_exceptions=True
        )
        self._writers -= {writer, up_writer}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            writer.transport.abort()


async def run(
    conversations: int, work_dir: Path, outage_seconds: float = OUTAGE_SECONDS
) -> OutageResult:
    async with scratch_database("outage") as database_url:
        parts = urlsplit(database_url)
        proxy = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
        await proxy.restore()
        user = f"{parts.username}@" if parts.username else ""
        proxied = urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{proxy.port}"))
        try:
            return await _run(proxy, proxied, conversations, work_dir, outage_seconds)
        finally:
            await proxy.cut()


async def _run(
    proxy: CuttableProxy,
    database_url: str,
    conversations: int,
    work_dir: Path,
    outage_seconds: float,
) -> OutageResult:
    channel, channel_url = start_channel(work_dir, "Price drop", latency_ms=CHANNEL_LATENCY_MS)
    port = free_port()
    bot = Process(
        "outage-bot",
        ["app.py"],
        {
            "PORT": str(port),
            "DATABASE_URL": database_url,
            "ADMIN_TOKEN": ADMIN_TOKEN,
            "POLL_INTERVAL_SECONDS": "1",
            "MOCK_FEED_DRIFT": "false",
            "DELIVERY_MAX_PER_SECOND": "0",
            "CONVERSATION_MAX_PER_SECOND": "0",
            "DELIVERY_CONCURRENCY": str(CONCURRENCY),
            "LOG_LEVEL": "WARNING",
        },
        work_dir,
    )
    bot_url = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as http:
            await channel.wait_http(http, f"{channel_url}/stats")
            await bot.wait_http(http, f"{bot_url}/healthz")
            pid = bot.pid
            numbers = range(conversations)
            await open_conversations(http, bot_url, channel_url, numbers, "watch headphones 20%")
            await open_conversations(http, bot_url, channel_url, numbers, "watch e-reader 20%")
            await poll_now(http, bot_url)
            await set_price(http, bot_url, "p-100", 99.99)  # the headphones
            while (await channel_stats(http, channel_url))["matched"] < conversations // 4:
                await asyncio.sleep(0.01)
            await proxy.cut()
            cut_at = time.time()
            await set_price(http, bot_url, "p-900", 69.99)  # the e-reader, while it is out
            unhealthy = await _unhealthy(http, bot_url)
            await asyncio.sleep(max(0.0, outage_seconds - (time.time() - cut_at)))
            await proxy.restore()
            restored_at = time.time()
            expected = 2 * conversations
            deadline = time.monotonic() + 120
            while (await _mentions(http, channel_url))[0] < expected:
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(2)  # anything sent twice after the last one has time to show
            distinct, total = await _mentions(http, channel_url)
            stats = await channel_stats(http, channel_url)
            same_process = bot.popen.poll() is None and bot.pid == pid
            async with http.get(f"{bot_url}/healthz") as response:
                healthy_after = response.status == 200
    finally:
        bot.stop()
        channel.stop()
    return OutageResult(
        conversations,
        outage_seconds,
        expected,
        distinct,
        total - distinct,
        CONCURRENCY,
        stats["last_match_at"] - restored_at,
        same_process and healthy_after,
        unhealthy,
    )


PRODUCTS = ("Noise-cancelling headphones", "E-reader")


async def _mentions(http: ClientSession, channel_url: str) -> tuple[int, int]:
    """Alerts at the channel, counted in what a person reads (a message's text and its
    cards; several alerts can share one message): distinct (conversation, product)
    pairs, and all of them. An alert message that names none of the products is a
    miscount, never silently passed."""
    async with http.get(f"{channel_url}/stats", params={"texts": "1"}) as response:
        posts: dict[str, list[str]] = (await response.json())["texts"]
    pairs = []
    for conversation, seen in posts.items():
        for post in seen:
            named = [product for product in PRODUCTS if product in post]
            if not named:
                raise RuntimeError(f"an alert to {conversation} names no product: {post!r}")
            pairs += [(conversation, product) for product in named]
    return len(set(pairs)), len(pairs)


async def _unhealthy(http: ClientSession, bot_url: str) -> bool:
    """Whether /healthz says so while the database is away."""
    for _ in range(50):
        async with http.get(f"{bot_url}/healthz") as response:
            if response.status == 503:
                return True
        await asyncio.sleep(0.1)
    return False


__all__ = ["ADMIN", "OutageResult", "run"]
