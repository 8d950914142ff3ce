"""Finished alerts and their attempts go after ALERT_RETENTION_DAYS; open ones never do."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from domain.alerts import FailedAttempt, FailureKind, SendFailure, SentMessage
from domain.rules import Rule, RuleState, below_rule, protect_rule
from domain.watch_events import EventKind, WatchEvent
from domain.watches import NewWatch
from state.interfaces import Store
from tests.support.alerts import open_alerts
from tests.support.clock import FakeClock
from watchers.retention import Retention

pytestmark = pytest.mark.store_variants

CONVERSATION = "emulator/conv-1"
GONE = SendFailure(FailureKind.PERMANENT, "HTTP 400 (ErrorResponseException)", 400)


def retention(store: Store, clock: FakeClock) -> Retention:
    return Retention(
        store.outbox,
        clock,
        days=30,
        watches=store.watches,
        history=store.history,
        charts=store.charts,
        events=store.events,
    )


async def test_finished_alerts_past_retention_go_with_their_attempts(store: Store) -> None:
    clock = FakeClock()
    sent, failed, pending, held, recent = await open_alerts(store, CONVERSATION, 5, clock())
    await store.outbox.mark_sent([SentMessage([sent.id], clock())])
    await store.outbox.mark_failed([FailedAttempt(failed.id, None)], clock(), GONE)
    await store.outbox.mark_held([held.id], clock(), hold_seconds=300)
    clock.advance(timedelta(days=2).total_seconds())
    await store.outbox.mark_sent([SentMessage([recent.id], clock())])
    clock.advance(timedelta(days=29).total_seconds())  # 31 days after the first two

    assert await retention(store, clock).tick() == 2

    left = await store.outbox.get([a.id for a in (sent, failed, pending, held, recent)])
    assert [a.id for a in left] == [pending.id, held.id, recent.id]
    assert await store.outbox.attempts(sent.id) == []
    assert await store.outbox.attempts(failed.id) == []
    assert len(await store.outbox.attempts(recent.id)) == 1
    assert await store.outbox.counts() == {"pending": 1, "held": 1, "sent": 1, "failed": 0}


async def test_a_prune_goes_in_batches_until_nothing_is_left(store: Store) -> None:
    clock = FakeClock()
    alerts = await open_alerts(store, CONVERSATION, 7, clock())
    await store.outbox.mark_sent([SentMessage([a.id for a in alerts], clock())])
    clock.advance(timedelta(days=31).total_seconds())

    assert await store.outbox.prune(clock() - timedelta(days=30), limit=3) == 3
    assert await retention(store, clock).tick() == 4
    assert await retention(store, clock).tick() == 0
    assert await store.outbox.counts() == {"pending": 0, "held": 0, "sent": 0, "failed": 0}


async def test_price_protection_watches_go_when_their_window_ends(store: Store) -> None:
    clock = FakeClock()

    def watch(rule: Rule, expires: datetime | None) -> NewWatch:
        state = RuleState(True, Decimal("200"))
        return NewWatch(
            CONVERSATION, "user-1", "p-100", "Phones", "USD", rule, state, clock(), expires
        )

    day = timedelta(days=1)
    ending = await store.watches.add(watch(protect_rule(Decimal(179)), clock() + day))
    later = await store.watches.add(watch(protect_rule(Decimal(179)), clock() + 2 * day))
    plain = await store.watches.add(watch(below_rule(Decimal(200), Decimal(150)), None))
    clock.advance(timedelta(days=1).total_seconds())

    await retention(store, clock).tick()

    left = [w.id for w in await store.watches.of_conversation(CONVERSATION)]
    assert ending.id not in left and left == [later.id, plain.id]


async def test_watch_events_go_after_the_alerts_retention_and_dropped_alerts_with_them(
    store: Store,
) -> None:
    clock = FakeClock()
    old, dropped = await open_alerts(store, CONVERSATION, 2, clock())
    await store.outbox.mark_dropped([dropped.id], clock(), "the target changed")
    await store.events.record([WatchEvent(old.watch_id, clock(), EventKind.PAUSED)])
    clock.advance(timedelta(days=2).total_seconds())
    recent = WatchEvent(old.watch_id, clock(), EventKind.RESUMED)
    await store.events.record([recent])
    clock.advance(timedelta(days=29).total_seconds())

    assert await retention(store, clock).tick() == 1

    assert await store.events.of_watch(old.watch_id, 10) == [recent]
    assert await store.outbox.get([dropped.id]) == []
