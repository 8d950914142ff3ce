"""Fan-out: one price drop, N conversations watching; time to the last alert, CPU per alert."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from aiohttp import ClientSession

from bench.processes import Process, free_port

ADMIN_TOKEN = "bench-admin-token-0123456789abcdef"  # 32 or more characters
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CHANNEL_LATENCY_MS = 20


@dataclass(frozen=True)
class FanOutResult:
    conversations: int
    seconds: float
    cpu_ms_per_alert: float
    delivered: int
    cards: int = 0
    """Adaptive Cards the channel received (one per alert for our app)."""
    charts: int = 0
    """Of those, the cards with a price chart."""
    sample: dict[str, Any] | None = None
    """The first alert as the channel received it."""


def conversation_id(n: int) -> str:
    return f"bench-{n}"


def _activity(channel_url: str, n: int, text: str, channel_id: str) -> dict[str, Any]:
    return {
        "type": "message",
        "channelId": channel_id,
        "serviceUrl": channel_url,
        "conversation": {"id": conversation_id(n)},
        "from": {"id": f"user-{n}", "name": "User"},
        "recipient": {"id": "bot", "name": "Bot"},
        "text": text,
    }


async def open_conversations(
    http: ClientSession,
    bot_url: str,
    channel_url: str,
    numbers: range,
    text: str,
    channel_id: str = "emulator",
) -> None:
    """Conversation `bench-{n}` for each n says `text` to the bot."""
    gate = asyncio.Semaphore(16)

    async def one(n: int) -> None:
        activity = _activity(channel_url, n, text, channel_id)
        async with gate, http.post(f"{bot_url}/api/messages", json=activity) as response:
            if response.status not in (200, 201):
                raise RuntimeError(f"opening conversation {n}: HTTP {response.status}")

    await asyncio.gather(*(one(n) for n in numbers))


async def channel_stats(
    http: ClientSession, channel_url: str, arrivals: bool = False, sample: bool = False
) -> dict[str, Any]:
    params = {"arrivals": "1"} if arrivals else {}
    if sample:
        params["sample"] = "1"
    async with http.get(f"{channel_url}/stats", params=params) as response:
        stats: dict[str, Any] = await response.json()
    return stats


async def wait_for_matches(
    http: ClientSession, channel_url: str, count: int, timeout: float = 300
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        stats = await channel_stats(http, channel_url)
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


@dataclass(frozen=True)
class BotAndChannel:
    http: ClientSession
    bot: Process
    bot_url: str
    channel_url: str


@asynccontextmanager
async def bot_and_channel(
    bot_argv: list[str], bot_env: dict[str, str], match: str, work_dir: Path
) -> AsyncIterator[BotAndChannel]:
    """A bot process and a stand-in channel process, both answering; stopped on exit."""
    channel, channel_url = start_channel(work_dir, match)
    port = free_port()
    bot = Process(f"bot-{port}", bot_argv, {"PORT": str(port), **bot_env}, work_dir)
    bot_url = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as http:
            await channel.wait_http(http, f"{channel_url}/stats")
            await bot.wait_http(http, f"{bot_url}/healthz")
            yield BotAndChannel(http, bot, bot_url, channel_url)
    finally:
        bot.stop()
        channel.stop()


def pricewatch_env(database: Path, delivery_max_per_second: int) -> dict[str, str]:
    """Our app polling every second over a still mock feed."""
    return {
        "DATABASE_URL": f"sqlite:///{database}",
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "POLL_INTERVAL_SECONDS": "1",
        "MOCK_FEED_DRIFT": "false",
        "DELIVERY_MAX_PER_SECOND": str(delivery_max_per_second),
    }


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
    async with bot_and_channel(bot_argv, bot_env, match, work_dir) as run:
        http, bot_url = run.http, run.bot_url
        await open_conversations(http, bot_url, run.channel_url, range(conversations), opening_text)
        await prepare(http, bot_url)
        cpu_before = run.bot.cpu_seconds()
        started = time.time()
        await trigger(http, bot_url)
        stats = await wait_for_matches(http, run.channel_url, conversations)
        cpu = run.bot.cpu_seconds() - cpu_before
        sample = (await channel_stats(http, run.channel_url, sample=True))["sample"]
    return FanOutResult(
        conversations,
        stats["last_match_at"] - started,
        cpu * 1000 / max(stats["matched"], 1),
        stats["conversations"],
        stats["cards"],
        stats["charts"],
        sample,
    )


async def poll_now(http: ClientSession, bot_url: str) -> None:
    """A first poll sees the starting price, as it would in real use."""
    async with http.get(f"{bot_url}/api/notify", headers=ADMIN) as response:
        response.raise_for_status()


async def set_price(http: ClientSession, bot_url: str, product_id: str, price: float) -> None:
    async with http.put(
        f"{bot_url}/feed/products/{product_id}", json={"price": price}, headers=ADMIN
    ) as response:
        response.raise_for_status()


async def _drop_headphones_and_poll(http: ClientSession, bot_url: str) -> None:
    """The drop, then a poll on request: the seed's trigger is its notify, and this
    keeps where the change falls between two scheduled polls (0 to 1 s) out of the
    figure."""
    await set_price(http, bot_url, "p-100", 99.99)
    await poll_now(http, bot_url)


async def _seed_notify(http: ClientSession, bot_url: str) -> None:
    async with http.get(f"{bot_url}/api/notify", timeout=None) as response:
        response.raise_for_status()


async def run_pricewatch(conversations: int, work_dir: Path) -> FanOutResult:
    """Our app polling every second: the clock runs from the price change (and a poll on
    request) to the last alert, each an Adaptive Card with its rule, the 90-day low from
    price history and the chart, rendered once for the product and served by the app."""
    return await _fan_out(
        ["app.py"],
        pricewatch_env(work_dir / f"fanout-{conversations}.sqlite3", delivery_max_per_second=0),
        "Price drop",
        "watch headphones 20%",
        conversations,
        work_dir,
        trigger=_drop_headphones_and_poll,
        prepare=poll_now,
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
