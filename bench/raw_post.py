"""The floor under an alert's CPU: the same activity POSTed to the same stand-in channel,
with nothing around it (no turn, no store, no card to build), from this process.

Each send encodes the activity to JSON and POSTs it over a pooled aiohttp session, as
many at once as the app's delivery runs (`DELIVERY_CONCURRENCY`'s default); the figure is
this process's CPU per send.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bench.fanout import channel_stats, conversation_id, start_channel
from settings import DEFAULT_DELIVERY_CONCURRENCY

CONCURRENCY = DEFAULT_DELIVERY_CONCURRENCY


@dataclass(frozen=True)
class RawPostResult:
    sends: int
    cpu_ms_per_send: float
    delivered: int


async def run(activity: dict[str, Any], sends: int, work_dir: Path) -> RawPostResult:
    channel, channel_url = start_channel(work_dir, "")
    try:
        connector = aiohttp.TCPConnector(limit=CONCURRENCY)
        async with aiohttp.ClientSession(connector=connector) as http:
            await channel.wait_http(http, f"{channel_url}/stats")
            gate = asyncio.Semaphore(CONCURRENCY)

            async def send(n: int) -> None:
                body = json.dumps({**activity, "conversation": {"id": conversation_id(n)}})
                url = f"{channel_url}/v3/conversations/{conversation_id(n)}/activities"
                headers = {"Content-Type": "application/json; charset=utf-8"}
                async with gate, http.post(url, data=body, headers=headers) as response:
                    await response.read()
                    response.raise_for_status()

            started = time.process_time()
            await asyncio.gather(*(send(n) for n in range(sends)))
            cpu = time.process_time() - started
            delivered = (await channel_stats(http, channel_url))["posts"]
    finally:
        channel.stop()
    return RawPostResult(sends, cpu * 1000 / sends, delivered)
