"""One poller for a fleet: only the instance holding the store's poll lease polls.

Every instance asks twice an interval. The holder renews its lease (one interval long)
each time, and every third of an interval while a poll runs, so the lease never lapses
while it polls however long the feed takes, and it polls once per interval; when it
dies, another instance takes the lease over within an interval and a half and polls at
once. A poll whose lease another instance took anyway (this one stalled for a whole
lease) is stopped, and its writes check the lease before they commit (`JobLease`). With
a store only one process uses, that process always holds it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Final, TypeVar

from domain.clock import Clock
from state.interfaces import JobLease, JobLeases, LeaseLost

logger = logging.getLogger(__name__)

POLL_JOB: Final = "poll"
RENEWALS_PER_LEASE: Final = 3
"""A renewal that fails (a database hiccup) leaves another before the lease runs out."""

T = TypeVar("T")


class PollLead:
    def __init__(
        self, jobs: JobLeases, clock: Clock, interval_seconds: float, holder: str = ""
    ) -> None:
        self._jobs = jobs
        self._clock = clock
        self._interval = timedelta(seconds=interval_seconds)
        self._lease = JobLease(POLL_JOB, holder or uuid.uuid4().hex)
        self._leading = False
        self._last_poll: datetime | None = None
        self._confirmed_at = 0.0
        """When (loop time) the last take or renewal that succeeded was asked for: the
        lease runs at least a lease's length from then."""

    @property
    def leading(self) -> bool:
        """Whether this instance held the lease when it last asked."""
        return self._leading

    @property
    def lease(self) -> JobLease:
        """What this instance's poll writes carry, so the store can check the lease."""
        return self._lease

    async def due(self) -> bool:
        """True when this instance should poll now. A lead just taken starts with a poll
        (the poller must then forget what it remembers: another instance polled last)."""
        if not await self._take():
            return False
        now = self._clock()
        # A tenth of slack: the scheduler's two ticks an interval drift a little.
        if self._last_poll is not None and now - self._last_poll < self._interval * 0.9:
            return False
        self._last_poll = now
        return True

    async def take(self) -> bool:
        """Hold the lease for a poll now, due or not (a poll on request); False while
        another instance holds it. The next scheduled poll comes an interval later."""
        if not await self._take():
            return False
        self._last_poll = self._clock()
        return True

    async def run(self, poll: Callable[[], Awaitable[T]]) -> T:
        """Run the poll the lease was just taken for (`due` or `take`), renewing the lease
        every third of it meanwhile. When a renewal finds another instance holds it, or
        none succeeds for a whole lease, the poll is cancelled where it waits and
        LeaseLost raised: it writes nothing more."""
        polling = asyncio.ensure_future(poll())
        keeping = asyncio.ensure_future(self._keep())
        try:
            await asyncio.wait({polling, keeping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            keeping.cancel()
            if not polling.done():
                polling.cancel()
            await asyncio.gather(polling, keeping, return_exceptions=True)
        if not keeping.cancelled():  # it returned: the lease is lost
            self._leading = False
            if polling.cancelled():
                raise LeaseLost(keeping.result())
        elif isinstance(polling.exception(), LeaseLost):  # the poll's write found it lost
            self._leading = False
        return polling.result()

    async def _take(self) -> bool:
        asked = asyncio.get_running_loop().time()
        seconds = self._interval.total_seconds()
        if not await self._jobs.take(self._lease.job, self._lease.holder, seconds):
            if self._leading:
                logger.info("another instance polls now")
            self._leading = False
            return False
        self._confirmed_at = asked
        if not self._leading:
            logger.info("this instance polls now")
            self._leading = True
            self._last_poll = None
        return True

    async def _keep(self) -> str:
        """Renew the lease until it is lost; return why it was."""
        loop = asyncio.get_running_loop()
        seconds = self._interval.total_seconds()
        while True:
            await asyncio.sleep(seconds / RENEWALS_PER_LEASE)
            asked = loop.time()
            runs_out = self._confirmed_at + seconds
            try:
                async with asyncio.timeout_at(runs_out):
                    renewed = await self._jobs.renew(self._lease.job, self._lease.holder, seconds)
            except Exception as error:  # a database hiccup: the next renewal may work
                if loop.time() >= runs_out:
                    return "the poll lease could not be renewed for a whole lease: poll stopped"
                logger.warning("could not renew the poll lease: %s", error)
                continue
            if not renewed:
                return "another instance took the poll lease over: poll stopped"
            self._confirmed_at = asked
