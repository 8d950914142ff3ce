"""One poller for a fleet: the instance holding the poll lease polls once per interval,
and another takes over when it stops."""

from __future__ import annotations

import asyncio

import pytest

from state.interfaces import LeaseLost, Store
from tests.support.clock import FakeClock
from tests.support.stores import run_out_job_leases, second_instance
from watchers.poll_lead import POLL_JOB, PollLead

INTERVAL = 10.0
FLEET_LEASE = 1.5
"""Real seconds: a fleet's lease runs on the database's clock. Renewed every half second,
it outlasts any pause a loaded two-core CI machine gives the test's event loop."""


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
    lease = FLEET_LEASE
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


async def test_a_poll_on_request_takes_the_lead_and_the_scheduled_poll_waits_an_interval(
    store: Store,
) -> None:
    clock = FakeClock()
    lead = PollLead(store.jobs, clock, INTERVAL)

    assert await lead.take() is True
    assert lead.leading
    assert await lead.due() is False, "it has just polled"
    clock.advance(INTERVAL)
    assert await lead.due() is True


async def test_a_poll_run_under_the_lease_gives_back_its_result_or_its_error(
    store: Store,
) -> None:
    lead = PollLead(store.jobs, FakeClock(), INTERVAL)
    assert await lead.due()

    async def answers() -> str:
        return "report"

    async def fails() -> str:
        raise RuntimeError("the poll broke")

    assert await lead.run(answers) == "report"
    with pytest.raises(RuntimeError, match="the poll broke"):
        await lead.run(fails)
    assert lead.leading


async def test_a_poll_whose_write_found_the_lease_lost_ends_the_lead(store: Store) -> None:
    lead = PollLead(store.jobs, FakeClock(), INTERVAL)
    assert await lead.due()

    async def write_refused() -> str:
        raise LeaseLost("the 'poll' lease is no longer held by 'first'")

    with pytest.raises(LeaseLost):
        await lead.run(write_refused)
    assert not lead.leading, "the next lead taken starts afresh"


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
async def test_in_a_fleet_a_poll_on_request_waits_for_no_lead_but_takes_none_from_another(
    store: Store,
) -> None:
    async with second_instance(store) as other:
        clock = FakeClock()
        first = PollLead(store.jobs, clock, INTERVAL, holder="first")
        second = PollLead(other.jobs, clock, INTERVAL, holder="second")

        assert await second.take() is True, "no instance leads: it polls, and leads"
        assert await first.take() is False, "another instance leads"
        assert await first.due() is False
        assert (first.leading, second.leading) == (False, True)


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
async def test_in_a_fleet_a_poll_longer_than_the_lease_keeps_it_while_it_runs(
    store: Store,
) -> None:
    lease = FLEET_LEASE
    async with second_instance(store) as other:
        clock = FakeClock()
        first = PollLead(store.jobs, clock, lease, holder="first")
        second = PollLead(other.jobs, clock, lease, holder="second")
        feed_answers = asyncio.Event()

        async def slow_poll() -> str:
            await feed_answers.wait()
            return "report"

        assert await first.due() is True
        polling = asyncio.create_task(first.run(slow_poll))
        for _ in range(4):  # two leases; the other instance asks twice a lease
            await asyncio.sleep(lease / 2)
            assert await second.due() is False, "renewed while the poll runs"
            assert await second.take() is False
        feed_answers.set()

        assert await polling == "report"
        assert (first.leading, second.leading) == (True, False)


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
async def test_in_a_fleet_a_poll_whose_lease_another_instance_took_is_stopped(
    store: Store,
) -> None:
    lease = FLEET_LEASE
    async with second_instance(store) as other:
        clock = FakeClock()
        first = PollLead(store.jobs, clock, lease, holder="first")
        stopped = asyncio.Event()

        async def stuck_poll() -> str:
            try:
                await asyncio.Event().wait()  # a feed that never answers
                return "never"
            finally:
                stopped.set()

        assert await first.due() is True
        polling = asyncio.create_task(first.run(stuck_poll))
        await asyncio.sleep(0)  # the poll is under way
        # The first instance stalled past its lease, and another took the lease over.
        await run_out_job_leases(store)
        assert await other.jobs.take(POLL_JOB, "second", 60)

        with pytest.raises(LeaseLost, match="another instance took the poll lease"):
            await asyncio.wait_for(polling, lease * 3)  # its next renewal finds out
        assert stopped.is_set(), "the poll was cancelled where it waited"
        assert not first.leading


class UnreachableLeases:
    """Job leases whose database went away after the lease was taken."""

    def __init__(self, renewal: str) -> None:
        self.renewal = renewal
        self.renewals = 0

    async def take(self, job: str, holder: str, seconds: float) -> bool:
        return True

    async def renew(self, job: str, holder: str, seconds: float) -> bool:
        self.renewals += 1
        if self.renewal == "fails":
            raise ConnectionError("the database went away")
        await asyncio.Event().wait()  # hangs
        return True


@pytest.mark.parametrize("renewal", ["fails", "hangs"])
async def test_a_poll_whose_lease_could_not_be_renewed_for_a_whole_lease_is_stopped(
    renewal: str,
) -> None:
    lease = 0.3  # real seconds: the renewals' own timers
    jobs = UnreachableLeases(renewal)
    lead = PollLead(jobs, FakeClock(), lease)
    assert await lead.due()

    with pytest.raises(LeaseLost, match="could not be renewed for a whole lease"):
        await asyncio.wait_for(lead.run(asyncio.Event().wait), lease * 3)
    assert jobs.renewals, "it tried"
    assert not lead.leading
