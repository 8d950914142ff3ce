"""A conversation's alerts with different histories, through the real app and a stand-in
channel: each alert keeps its own retry budget, and only two 401/403/404 in a row for one
alert mean the bot can no longer reach the user.

The scheduler is paused and the clock is fake: the test runs each tick and moves time on
so that each retry is due.
"""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from domain.alerts import AlertStatus
from outbox.retry import RetryPolicy
from tests.support.channel import Fault, StandInChannel
from tests.support.clock import FakeClock
from tests.support.running import (
    RunningApp,
    alerts_received,
    drop,
    requests_to,
    running_app,
    watch,
)

UNPACED = {"CONVERSATION_MAX_PER_SECOND": "0", "DELIVERY_MAX_PER_SECOND": "0"}
EVERY_BACKOFF = RetryPolicy().max_delay_seconds + 1
"""Long enough for any retry to be due."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def app(tmp_path: Path, clock: FakeClock) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path, env=UNPACED, clock=clock) as app:
        yield app


async def retry_until_quiet(app: RunningApp, clock: FakeClock, ticks: int = 3) -> None:
    for _ in range(ticks):
        clock.advance(EVERY_BACKOFF)
        await app.engine.deliverer.tick()


async def test_news_that_failed_once_beside_an_alert_out_of_tries_still_arrives(
    app: RunningApp, channel: StandInChannel, clock: FakeClock
) -> None:
    budget = RetryPolicy().max_attempts
    await watch(app, channel, "conv-1")
    await watch(app, channel, "conv-1", what="watch espresso machine 10%")
    channel.always("conv-1", Fault(503))
    assert await drop(app, "p-100", 149.99) == 1
    start = len(channel.posted)
    for _ in range(budget - 1):
        await app.engine.deliverer.tick()
        clock.advance(EVERY_BACKOFF)
    assert requests_to(channel, "conv-1", start) == budget - 1

    assert await drop(app, "p-200", 399.00) == 1
    await app.engine.deliverer.tick()  # both in one message: the headphones' last try
    assert "Price drops on 2 of your watches" in channel.posted[-1].text
    channel.always("conv-1", None)
    await retry_until_quiet(app, clock)

    [alert] = alerts_received(channel, "conv-1")
    assert "Espresso machine" in alert and "Noise-cancelling headphones" not in alert
    assert requests_to(channel, "conv-1", start) == budget + 1


async def test_a_403_after_a_503_is_retried_and_the_alert_arrives_unasked(
    app: RunningApp, channel: StandInChannel, clock: FakeClock
) -> None:
    await watch(app, channel, "conv-1")
    channel.script("conv-1", Fault(503), Fault(403))
    assert await drop(app) == 1
    await app.engine.deliverer.tick()
    await retry_until_quiet(app, clock)

    assert [post.status for post in channel.posted[-3:]] == [503, 403, 200]
    assert len(alerts_received(channel, "conv-1")) == 1
    assert await app.engine.store.references.is_reachable("emulator/conv-1")


async def test_a_second_403_in_a_row_parks_the_conversation_until_the_user_writes(
    app: RunningApp, channel: StandInChannel, clock: FakeClock
) -> None:
    await watch(app, channel, "conv-1")
    channel.script("conv-1", Fault(503), Fault(403), Fault(403))
    assert await drop(app) == 1
    start = len(channel.posted)
    await app.engine.deliverer.tick()
    await retry_until_quiet(app, clock, ticks=4)

    assert requests_to(channel, "conv-1", start) == 3, "nothing after the second 403"
    assert alerts_received(channel, "conv-1") == []
    assert not await app.engine.store.references.is_reachable("emulator/conv-1")

    assert await app.say(channel, "conv-1", "hi", id="m-back") in (200, 201)
    assert len(alerts_received(channel, "conv-1")) == 1
    [alert] = await app.engine.store.outbox.get([1])
    assert alert.status is AlertStatus.SENT
