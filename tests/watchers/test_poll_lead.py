"""One poller for a fleet: the instance holding the poll lease polls once per interval,
and another takes over when it stops."""

from __future__ import annotations

import asyncio

import pytest

from state.interfaces import Store
from tests.support.clock import FakeClock
from tests.support.stores import second_instance
from watchers.poll_lead import PollLead

INTERVAL = 10.0


async def test_alone_an_instance_polls_once_per_interval(store: Store) -> None:
    clock = FakeClock()
    lead = PollLead(store.jobs, clock, INTERVAL)

    due = []
    for _ in range(6):  # the scheduler asks twice an interval
        due.append(await lead.due())
        clock.advance(INTERVAL / 2)

    assert due == [True, False, True, False, True, False]
    assert lead.leading


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
async def test_in_a_fleet_one_instance_polls_and_another_takes_over_when_it_stops(
    store: Store,
) -> None:
    lease = 0.3  # real seconds: the lease runs on the database's clock
    async with second_instance(store) as other:
        clock = FakeClock()
        first = PollLead(store.jobs, clock, lease, holder="first")
        second = PollLead(other.jobs, clock, lease, holder="second")

        assert await first.due() is True
        assert await second.due() is False, "the lease is held: only one polls"
        assert (first.leading, second.leading) == (True, False)

        await asyncio.sleep(lease * 1.2)  # the first instance died: it renews no more

        assert await second.due() is True, "the lease ran out: the other polls at once"
        assert await first.due() is False
        assert (first.leading, second.leading) == (False, True)
