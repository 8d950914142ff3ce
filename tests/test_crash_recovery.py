"""SIGKILL the bot mid fan-out, restart it on the same database: nothing lost."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import AsyncIterator, Iterator

import pytest
from aiohttp import ClientError, ClientSession

from tests.support.channel import StandInChannel
from tests.support.running import ADMIN, ADMIN_TOKEN, activity, free_port

ROOT = Path(__file__).resolve().parents[1]
CONVERSATIONS = 100
CONCURRENCY = 8


class BotProcess:
    """app.py as a real subprocess, the way `make run` starts it."""

    def __init__(self, port: int, database: Path, log: Path) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{database}",
            "ADMIN_TOKEN": ADMIN_TOKEN,
            "MOCK_FEED_DRIFT": "false",
            "POLL_INTERVAL_SECONDS": "3600",
            "DELIVERY_CONCURRENCY": str(CONCURRENCY),
            "CONVERSATION_MAX_PER_SECOND": "0",
            "DELIVERY_MAX_PER_SECOND": "0",
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "app.py")],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    async def wait_ready(self, http: ClientSession, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log.read_text()
            try:
                async with http.get(f"{self.base}/healthz") as response:
                    if response.status == 200:
                        return
            except ClientError:
                pass
            await asyncio.sleep(0.05)  # waiting for a process to boot, not for a scheduler
        raise AssertionError(f"the bot did not become healthy:\n{self.log.read_text()}")


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[BotProcess]:
    bot = BotProcess(free_port(), tmp_path / "crash.sqlite3", tmp_path / "bot.log")
    yield bot
    bot.kill()


@pytest.fixture
async def channel() -> AsyncIterator[StandInChannel]:
    channel = StandInChannel(latency_seconds=0.05, takes_abandoned_sends=True)  # as a real channel
    await channel.start()
    yield channel
    await channel.stop()


def alerts_by_conversation(channel: StandInChannel) -> Counter[str]:
    return Counter(
        post.conversation_id for post in channel.delivered() if "Price drop" in post.text
    )


async def wait_until(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_a_killed_fan_out_loses_nothing_after_a_restart(
    bot: BotProcess, channel: StandInChannel
) -> None:
    async with ClientSession() as http:
        bot.start()
        await bot.wait_ready(http)

        gate = asyncio.Semaphore(20)

        async def open_conversation(n: int) -> None:
            message = activity(channel, "message", f"conv-{n}", text="watch headphones 20%")
            async with gate, http.post(f"{bot.base}/api/messages", json=message) as response:
                assert response.status in (200, 201)

        await asyncio.gather(*(open_conversation(n) for n in range(CONVERSATIONS)))
        assert len(channel.texts()) >= CONVERSATIONS  # greetings and confirmations

        async with http.put(
            f"{bot.base}/feed/products/p-100", json={"price": 149.99}, headers=ADMIN
        ) as response:
            assert response.status == 200

        fan_out = asyncio.create_task(http.get(f"{bot.base}/api/notify", headers=ADMIN))
        await wait_until(
            lambda: sum(alerts_by_conversation(channel).values()) >= 30, 30, "part of the fan-out"
        )
        bot.kill()
        in_flight_at_kill = channel.in_flight
        delivered_before_restart = sum(alerts_by_conversation(channel).values())
        with pytest.raises(ClientError):
            await fan_out
        assert delivered_before_restart < CONVERSATIONS, "the kill came too late to prove anything"

        bot.start()
        await bot.wait_ready(http)
        await wait_until(
            lambda: len(alerts_by_conversation(channel)) == CONVERSATIONS,
            30,
            "every conversation to get its alert after the restart",
        )

    received = alerts_by_conversation(channel)
    duplicates = sum(received.values()) - CONVERSATIONS
    assert set(received) == {f"conv-{n}" for n in range(CONVERSATIONS)}, "an alert was lost"
    assert duplicates <= max(in_flight_at_kill, CONCURRENCY), (
        f"{duplicates} duplicates, {in_flight_at_kill} sends were in flight at the kill"
    )
