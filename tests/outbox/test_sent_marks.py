"""Turns that finish together record "sent" in one write, and each turn still waits for
its own message to be recorded."""

from __future__ import annotations

import asyncio
from typing import Sequence

import pytest

from domain.alerts import AlertStatus, SentMessage
from outbox.sent_marks import SentMarks
from state.interfaces import Store
from tests.support.alerts import open_alerts
from tests.support.clock import FakeClock

pytestmark = pytest.mark.store_variants


class CountedWrites:
    """The store's own write, counted."""

    def __init__(self, store: Store, fail: bool = False) -> None:
        self._store = store
        self._fail = fail
        self.writes: list[int] = []

    async def __call__(self, messages: Sequence[SentMessage]) -> None:
        self.writes.append(len(messages))
        if self._fail:
            raise ConnectionError("the database went away")
        await self._store.outbox.mark_sent(messages)


async def test_turns_finishing_together_share_one_write_and_each_is_recorded_as_it_returns(
    store: Store,
) -> None:
    clock = FakeClock()
    alerts = await open_alerts(store, "emulator/conv-1", 4, clock())
    writes = CountedWrites(store)
    marks = SentMarks(writes)

    async def turn(n: int) -> AlertStatus:
        await marks.record(SentMessage([alerts[n].id], clock(), f"activity-{n}"))
        [now] = await store.outbox.get([alerts[n].id])
        return now.status

    assert await asyncio.gather(*(turn(n) for n in range(3))) == [AlertStatus.SENT] * 3
    assert writes.writes == [3], "three turns, one write"
    await turn(3)
    assert writes.writes == [3, 1]
    recorded = await store.outbox.get([alert.id for alert in alerts])
    assert [alert.activity_id for alert in recorded] == [f"activity-{n}" for n in range(4)]
    assert all(alert.attempts == 1 for alert in recorded)


async def test_a_failed_write_reaches_every_turn_that_shared_it(store: Store) -> None:
    clock = FakeClock()
    alerts = await open_alerts(store, "emulator/conv-1", 2, clock())
    marks = SentMarks(CountedWrites(store, fail=True))
    outcomes = await asyncio.gather(
        *(marks.record(SentMessage([alert.id], clock())) for alert in alerts),
        return_exceptions=True,
    )
    assert [type(outcome) for outcome in outcomes] == [ConnectionError, ConnectionError]
    assert all(
        a.status is AlertStatus.PENDING for a in await store.outbox.get([a.id for a in alerts])
    )
