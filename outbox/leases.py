"""Claims are short leases, renewed while their alerts are in flight, whoever claimed them.

A live process keeps every claim it holds until the alert is settled, so nothing it is
still sending can be claimed again (each alert is sent at most once); a dead process's
claims run out within a lease, and another tick picks its alerts up.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Sequence

from domain.alerts import Alert
from domain.clock import Clock
from outbox.pacing import Sleep
from state.interfaces import OutboxStore

logger = logging.getLogger(__name__)

CLAIM_LEASE: Final = timedelta(seconds=5)
RENEW_EVERY_SECONDS: Final = 2.0


@dataclass(frozen=True)
class LeaseTerms:
    """How long a claim lasts, and how often the claims in flight are renewed."""

    lease: timedelta = CLAIM_LEASE
    renew_every_seconds: float = RENEW_EVERY_SECONDS
    sleep: Sleep = asyncio.sleep
    """Waits between renewals; a fake clock brings its own, since leases run on the clock."""


class Leases:
    def __init__(self, outbox: OutboxStore, clock: Clock, terms: LeaseTerms = LeaseTerms()) -> None:
        self._outbox = outbox
        self._clock = clock
        self._terms = terms
        self._held: set[int] = set()
        self._renewer: asyncio.Task[None] | None = None

    def _until(self) -> datetime:
        return self._clock() + self._terms.lease

    async def claim_due(self, limit: int) -> list[Alert]:
        alerts = await self._outbox.claim_due(self._clock(), self._until(), limit)
        self._keep(alerts)
        return alerts

    async def claim_conversation(self, conversation_key: str) -> list[Alert]:
        alerts = await self._outbox.claim_conversation(
            conversation_key, self._clock(), self._until()
        )
        self._keep(alerts)
        return alerts

    def let_go(self, alerts: Sequence[Alert]) -> None:
        """Stop renewing these claims: their alerts are settled, or released. Letting go
        twice is harmless."""
        self._held.difference_update(alert.id for alert in alerts)
        if not self._held and self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None

    async def release(self, alerts: Sequence[Alert]) -> None:
        """Give claims back unsettled, so the next tick may take them at once."""
        self.let_go(alerts)
        await self._outbox.release_claims([alert.id for alert in alerts])

    async def renew(self) -> None:
        """Extend every claim held by another lease from now."""
        if self._held:
            await self._outbox.extend_claims(sorted(self._held), self._until())

    def stop(self) -> None:
        """No more renewals (shutting down: what is still held runs out on its own)."""
        self._held.clear()
        if self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None

    def _keep(self, alerts: Sequence[Alert]) -> None:
        self._held.update(alert.id for alert in alerts)
        if self._held and self._renewer is None:
            self._renewer = asyncio.create_task(self._renew_while_held())

    async def _renew_while_held(self) -> None:
        while True:
            await self._terms.sleep(self._terms.renew_every_seconds)
            try:
                await self.renew()
            except Exception:  # a store hiccup must not end the renewals
                logger.exception("could not renew %d alert claim(s)", len(self._held))
