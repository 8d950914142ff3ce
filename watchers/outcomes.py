"""Recording what happened to each alert: sent, held, retried, parked or given up."""

from __future__ import annotations

import logging
from typing import Sequence

from state.models import Alert
from state.store import Store
from watchers.clock import Clock
from watchers.metrics import Metrics
from watchers.retry import RetryPolicy
from watchers.send_failures import FailureKind, SendFailure, classify

logger = logging.getLogger(__name__)

UNREACHABLE_AFTER_TRIES = 2
"""401/403/404 this many times in a row: the reference is stale or the bot was blocked."""


class Outcomes:
    def __init__(self, store: Store, clock: Clock, retry: RetryPolicy, metrics: Metrics) -> None:
        self._store = store
        self._clock = clock
        self._retry = retry
        self._metrics = metrics

    async def sent(self, alerts: Sequence[Alert], why: str) -> None:
        now = self._clock()
        await self._store.mark_sent([alert.id for alert in alerts], now)
        for alert in alerts:
            self._metrics.delivery_attempts.labels("sent").inc()
            self._metrics.delivery_latency.observe(max(0.0, (now - alert.seen_at).total_seconds()))
            logger.info("alert %s sent to %s: %s", alert.id, alert.conversation_key, why)

    async def held(self, alerts: Sequence[Alert], hold_seconds: float) -> None:
        await self._store.mark_held([alert.id for alert in alerts], self._clock(), hold_seconds)
        for alert in alerts:
            self._metrics.delivery_attempts.labels("held").inc()
            logger.info(
                "alert %s held for %s: a dialog is waiting for the user",
                alert.id,
                alert.conversation_key,
            )

    async def failed(self, alerts: Sequence[Alert], error: BaseException) -> SendFailure:
        failure = classify(error, self._clock())
        await self.failed_with(alerts, failure)
        return failure

    async def failed_with(self, alerts: Sequence[Alert], failure: SendFailure) -> None:
        if not alerts:
            return
        now = self._clock()
        key = alerts[0].conversation_key
        ids = [alert.id for alert in alerts]
        tries = max(alert.attempts for alert in alerts) + 1
        self._metrics.delivery_attempts.labels(failure.kind.value).inc(len(alerts))
        if failure.kind is FailureKind.UNREACHABLE and tries >= UNREACHABLE_AFTER_TRIES:
            await self._store.mark_attempt_failed(ids, now, failure.description, now)
            await self._store.mark_unreachable(key, now)
            logger.warning(
                "alerts %s parked: %s answered %s %d times; nothing more goes there until"
                " the user writes again",
                ids,
                key,
                failure.description,
                tries,
            )
            return
        retry_at = self._retry.next_attempt(tries, now, failure)
        await self._store.mark_attempt_failed(ids, now, failure.description, retry_at)
        if retry_at is None:
            logger.error(
                "alerts %s to %s given up after %d tries: %s", ids, key, tries, failure.description
            )
        else:
            logger.warning(
                "alerts %s to %s failed (%s, try %d); retrying in %.1f s",
                ids,
                key,
                failure.description,
                tries,
                (retry_at - now).total_seconds(),
            )
