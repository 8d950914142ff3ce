"""Recording what happened to each alert: sent, held, retried, parked or given up.

Retry budgets and failure counts are each alert's own: a fresh alert sent together with
one that failed seven times gets its full budget, and "unreachable twice" means twice
in a row for the same alert.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Final, Sequence

from domain.alerts import (
    Alert,
    AlertStatus,
    FailedAttempt,
    FailureKind,
    SendFailure,
    SentMessage,
)
from domain.clock import Clock
from domain.watch_events import (
    HELD_FOR_A_DIALOG,
    EventKind,
    WatchEvent,
    held_for_quiet_hours,
)
from metrics import Metrics
from outbox.retry import RetryPolicy
from outbox.sent_marks import SentMarks
from state.interfaces import OutboxStore, ReferenceStore, WatchEventStore

logger = logging.getLogger(__name__)

ASLEEP_RECHECK: Final = timedelta(days=30)


class Outcomes:
    def __init__(
        self,
        outbox: OutboxStore,
        references: ReferenceStore,
        clock: Clock,
        retry: RetryPolicy,
        metrics: Metrics,
        *,
        events: WatchEventStore,
    ) -> None:
        self._outbox = outbox
        self._sent = SentMarks(outbox.mark_sent)
        self._events = events
        self._references = references
        self._clock = clock
        self._retry = retry
        self._metrics = metrics

    async def sent(self, alerts: Sequence[Alert], why: str, activity_id: str | None = None) -> None:
        """Sent as one message, which the channel gave `activity_id` (kept with the
        alerts: a pressed card of theirs is replaced in place by that id)."""
        now = self._clock()
        await self._sent.record(SentMessage([alert.id for alert in alerts], now, activity_id))
        for alert in alerts:
            self._metrics.delivery_attempts.labels("sent").inc()
            self._metrics.delivery_latency.observe(max(0.0, (now - alert.seen_at).total_seconds()))
            # Each alert at DEBUG: a fan-out's thousand lines cost more than its store
            # writes; the delivery says at INFO how many it started.
            logger.debug("alert %s sent to %s: %s", alert.id, alert.conversation_key, why)

    async def held(
        self, alerts: Sequence[Alert], hold_seconds: float, until: datetime | None = None
    ) -> None:
        """Held for an open dialog, or with `until` for the user's quiet hours; each
        alert's watch records the hold and why, for `why`."""
        now = self._clock()
        await self._outbox.mark_held([alert.id for alert in alerts], now, hold_seconds, until)
        why = HELD_FOR_A_DIALOG if until is None else held_for_quiet_hours(until)
        await self._record(alerts, EventKind.HELD, now, why)
        self._count_held(alerts, why)

    async def asleep(self, alerts: Sequence[Alert], until: datetime | None, why: str) -> None:
        """Held while their watch sleeps: until `until` (a snooze's end), or until the
        watch wakes, which makes them due (a pause has no end; it is looked at again
        after ASLEEP_RECHECK). Each alert's watch records the hold and `why`, once: a
        user's message claims the conversation's waiting alerts again, and an alert held
        already is not held anew."""
        now = self._clock()
        await self._outbox.mark_asleep([a.id for a in alerts], until or now + ASLEEP_RECHECK)
        fresh = [alert for alert in alerts if alert.status is not AlertStatus.HELD]
        await self._record(fresh, EventKind.HELD, now, why)
        self._count_held(alerts, why)

    async def dropped(self, alerts: Sequence[Alert], why: str) -> None:
        """Never send these alerts: they no longer stand. `why` is in the user's words:
        `why` tells it back ("not sent: <why>"). An alert already sent stays sent."""
        now = self._clock()
        ids = set(await self._outbox.mark_dropped([alert.id for alert in alerts], now, why))
        dropped = [alert for alert in alerts if alert.id in ids]
        await self._record(dropped, EventKind.DROPPED, now, why)
        self._metrics.delivery_attempts.labels("dropped").inc(len(dropped))
        for alert in dropped:
            logger.info("alert %s to %s dropped: %s", alert.id, alert.conversation_key, why)

    def _count_held(self, alerts: Sequence[Alert], why: str) -> None:
        for alert in alerts:
            self._metrics.delivery_attempts.labels("held").inc()
            logger.info("alert %s held for %s: %s", alert.id, alert.conversation_key, why)

    async def _record(
        self, alerts: Sequence[Alert], kind: EventKind, now: datetime, why: str
    ) -> None:
        """What became of each alert, on its watch's story (`why`)."""
        await self._events.record(
            [WatchEvent(a.watch_id, now, kind, alert_id=a.id, detail=why) for a in alerts]
        )

    async def wake_quiet(self, conversation_key: str) -> int:
        woken = await self._outbox.wake_quiet(conversation_key, self._clock())
        if woken:
            logger.info("%d alert(s) of %s no longer wait for quiet hours", woken, conversation_key)
        return woken

    async def failed(self, alerts: Sequence[Alert], failure: SendFailure) -> None:
        """One failed try of each alert (all of one conversation)."""
        if not alerts:
            return
        now = self._clock()
        key = alerts[0].conversation_key
        ids = [alert.id for alert in alerts]
        self._metrics.delivery_attempts.labels(failure.kind.value).inc(len(alerts))
        if _unreachable_twice(alerts, failure):
            await self._outbox.mark_failed(
                [FailedAttempt(alert.id, now) for alert in alerts], now, failure
            )
            await self._references.mark_unreachable(key, now)
            logger.warning(
                "alerts %s parked: %s answered %s twice in a row; nothing more goes there"
                " until the user writes again",
                ids,
                key,
                failure.description,
            )
            return
        attempts = [
            FailedAttempt(alert.id, self._retry.next_attempt(alert.attempts + 1, now, failure))
            for alert in alerts
        ]
        await self._outbox.mark_failed(attempts, now, failure)
        given_up = [a.alert_id for a in attempts if a.retry_at is None]
        retrying = [a for a in attempts if a.retry_at is not None]
        if given_up:
            logger.error("alerts %s to %s given up: %s", given_up, key, failure.description)
        if retrying:
            logger.warning(
                "alerts %s to %s failed (%s); retrying in %.1f s or more",
                [a.alert_id for a in retrying],
                key,
                failure.description,
                min((a.retry_at - now).total_seconds() for a in retrying if a.retry_at),
            )


def _unreachable_twice(alerts: Sequence[Alert], failure: SendFailure) -> bool:
    """401/403/404 for an alert whose last try got one too: the reference is stale or
    the bot was blocked."""
    return failure.kind is FailureKind.UNREACHABLE and any(
        alert.last_failure is FailureKind.UNREACHABLE for alert in alerts
    )
