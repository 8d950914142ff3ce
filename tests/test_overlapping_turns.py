"""A user's turn and an alert delivery for one conversation overlap: the user's send is
slow, and meanwhile an alert is due. The alert waits for the turn, and goes once.

The real app, a stand-in channel whose gate holds one send for as long as the test says,
and a fake clock; the scheduler is paused and the test runs each tick.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import AsyncIterator

import pytest

from dialogs import texts
from outbox.leases import CLAIM_LEASE, RENEW_EVERY_SECONDS, LeaseTerms
from outbox.retry import RetryPolicy
from tests.support.channel import Fault, Gate, StandInChannel
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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def app(tmp_path: Path, clock: FakeClock) -> AsyncIterator[RunningApp]:
    # Claims are renewed on the fake clock, so a test can let a lease's time pass at once.
    terms = LeaseTerms(sleep=clock.sleep)
    async with running_app(tmp_path, env=UNPACED, clock=clock, lease_terms=terms) as app:
        yield app


async def test_an_alert_is_not_sent_on_top_of_a_question_the_channel_is_slow_to_accept(
    app: RunningApp, channel: StandInChannel
) -> None:
    await watch(app, channel, "conv-1")
    start = len(channel.posted)
    slow = Gate()
    channel.script("conv-1", Fault(gate=slow))
    turn = asyncio.create_task(app.say(channel, "conv-1", "watch"))  # opens a dialog
    await slow.arrived.wait()  # its question is on the way, not accepted yet

    assert await drop(app) == 1
    await app.engine.deliverer.tick()
    assert requests_to(channel, "conv-1", start) == 0, "nothing else while the question is out"

    slow.open()
    assert await turn in (200, 201)
    await app.engine.deliverer.tick()  # the dialog now waits for the user: the alert holds
    assert alerts_received(channel, "conv-1") == []

    assert await app.say(channel, "conv-1", "cancel") in (200, 201)
    await app.engine.deliverer.tick()
    question, cancelled, alert = channel.texts("conv-1")[-3:]
    assert "Which product" in question
    assert cancelled == texts.CANCELLED
    assert "Price drop" in alert and "Noise-cancelling headphones" in alert
    assert len(alerts_received(channel, "conv-1")) == 1
    assert requests_to(channel, "conv-1", start) == 3


async def test_a_missed_alert_sent_slowly_in_the_users_turn_goes_once_past_its_lease(
    app: RunningApp, channel: StandInChannel, clock: FakeClock
) -> None:
    await watch(app, channel, "conv-1")
    channel.script("conv-1", Fault(403), Fault(403))  # the bot was blocked, for a while
    assert await drop(app) == 1
    await app.engine.deliverer.tick()
    await clock.pass_time(RetryPolicy().max_delay_seconds)
    await app.engine.deliverer.tick()
    assert not await app.engine.store.references.is_reachable("emulator/conv-1")

    start = len(channel.posted)
    slow = Gate()
    channel.script("conv-1", Fault(), Fault(gate=slow))  # the reply goes; the alert is slow
    turn = asyncio.create_task(app.say(channel, "conv-1", "help", id="m-back"))
    await slow.arrived.wait()

    in_flight_since = clock()
    claimed_meanwhile = 0
    while clock() - in_flight_since < 2 * CLAIM_LEASE:
        await clock.pass_time(RENEW_EVERY_SECONDS)
        claimed_meanwhile += (await app.engine.deliverer.tick()).alerts
    assert claimed_meanwhile == 0, "the claim of the alert in flight was kept"

    slow.open()
    assert await turn in (200, 201)
    await app.engine.deliverer.tick()
    assert len(alerts_received(channel, "conv-1")) == 1
    assert requests_to(channel, "conv-1", start) == 2, "the reply, and the alert once"
    reply, alert = channel.delivered("conv-1")[-2:]
    assert reply.text == texts.help_text(Decimal(20)) and "Price drop" in alert.text
    assert alert.reply_to == "m-back", "it came in the user's turn"
