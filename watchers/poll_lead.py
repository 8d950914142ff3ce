"""One poller for a fleet: only the instance holding the store's poll lease polls.

Every instance asks twice an interval. The holder renews its lease (one interval long)
each time, so the lease never lapses while it runs, and it polls once per interval;
when it dies, another instance takes the lease over within an interval and a half and
polls at once. With a store only one process uses, that process always holds it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Final

from domain.clock import Clock
from state.interfaces import JobLeases

logger = logging.getLogger(__name__)

POLL_JOB: Final = "poll"


class PollLead:
    def __init__(
        self, jobs: JobLeases, clock: Clock, interval_seconds: float, holder: str = ""
    ) -> None:
        self._jobs = jobs
        self._clock = clock
        self._interval = timedelta(seconds=interval_seconds)
        self._holder = holder or uuid.uuid4().hex
        self._leading = False
        self._last_poll: datetime | None = None

    @property
    def leading(self) -> bool:
        """Whether this instance held the lease when it last asked."""
        return self._leading

    async def due(self) -> bool:
        """True when this instance should poll now. A lead just taken starts with a poll
        (the poller must then forget what it remembers: see `just_took_over`)."""
        if not await self._jobs.take(POLL_JOB, self._holder, self._interval.total_seconds()):
            if self._leading:
                logger.info("another instance polls now")
            self._leading = False
            return False
        now = self._clock()
        if not self._leading:
            logger.info("this instance polls now")
            self._leading = True
            self._last_poll = None
        # A tenth of slack: the scheduler's two ticks an interval drift a little.
        if self._last_poll is not None and now - self._last_poll < self._interval * 0.9:
            return False
        self._last_poll = now
        return True
