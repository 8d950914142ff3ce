"""Retention: finished alerts and their attempts go after ALERT_RETENTION_DAYS, so the
outbox's tables and indexes stop growing with every alert ever sent."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from domain.clock import Clock
from state.interfaces import OutboxStore, WatchStore

logger = logging.getLogger(__name__)

PRUNE_BATCH: Final = 5000
"""Alerts deleted per transaction: no prune holds the outbox for long."""


class Retention:
    def __init__(
        self, outbox: OutboxStore, clock: Clock, days: int, watches: WatchStore | None = None
    ) -> None:
        self._outbox = outbox
        self._watches = watches
        self._clock = clock
        self._keep = timedelta(days=days)

    async def tick(self) -> int:
        """Prune what is past retention, a batch at a time; return how many alerts went."""
        now = self._clock()
        if self._watches is not None:
            # Price protection ends with its window; until this runs it is asleep.
            expired = await self._watches.remove_expired(now)
            if expired:
                logger.info("removed %d price protection watch(es) past their window", expired)
        before = now - self._keep
        pruned = 0
        while batch := await self._outbox.prune(before, PRUNE_BATCH):
            pruned += batch
            if batch < PRUNE_BATCH:
                break
        if pruned:
            logger.info("pruned %d finished alert(s) older than %s", pruned, self._keep)
        return pruned
