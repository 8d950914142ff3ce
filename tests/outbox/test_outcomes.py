"""Each alert's own history decides its fate: its retry budget, and "unreachable twice"
meaning two 401/403/404 in a row for that alert."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from domain.alerts import Alert, AlertStatus, FailureKind, SendFailure
from domain.watch_events import EventKind, WatchEvent, quiet_hours_end
from metrics import Metrics
from outbox.outcomes import Outcomes
from outbox.retry import RetryPolicy
from state.interfaces import Store
from tests.support.alerts import open_alerts
from tests.support.clock import FakeClock

pytestmark = pytest.mark.store_variants

CONVERSATION = "emulator/conv-1"
UNAVAILABLE = SendFailure(FailureKind.TRANSIENT, "HTTP 503 (ErrorResponseException)", 503)
RATE_LIMITED = SendFailure(FailureKind.RATE_LIMITED, "HTTP 429 (ErrorResponseException)", 429, 1)
FORBIDDEN = SendFailure(FailureKind.UNREACHABLE, "HTTP 403 (ErrorResponseException)", 403)
POLICY = RetryPolicy()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outcomes(store: Store, clock: FakeClock) -> Outcomes:
    return Outcomes(
        store.outbox,
        store.references,
        clock,
        RetryPolicy(rng=random.Random(7)),
        Metrics(),
        events=store.events,
    )


async def told(store: Store, alert: Alert, kind: EventKind) -> list[WatchEvent]:
    """The events of that kind on the alert's watch."""
    return [e for e in await store.events.of_watch(alert.watch_id, 50) if e.kind is kind]


async def now_as(store: Store, *alerts: Alert) -> list[Alert]:
    return await store.outbox.get([alert.id for alert in alerts])


async def due_later(store: Store, clock: FakeClock) -> list[int]:
    """Ids a delivery tick would claim once every backoff has run out."""
    later = clock() + timedelta(seconds=POLICY.max_delay_seconds + 1)
    return [a.id for a in await store.outbox.claim_due(later, later, 100)]


async def test_an_alert_out_of_tries_is_given_up_and_a_fresh_one_beside_it_is_retried(
    store: Store, clock: FakeClock, outcomes: Outcomes
) -> None:
    old, fresh = await open_alerts(store, CONVERSATION, 2, clock())
    for _ in range(POLICY.max_attempts - 1):
        await outcomes.failed(await now_as(store, old), UNAVAILABLE)
        clock.advance(POLICY.max_delay_seconds)

    await outcomes.failed(await now_as(store, old, fresh), UNAVAILABLE)  # one turn, both

    old, fresh = await now_as(store, old, fresh)
    assert (old.status, old.attempts) == (AlertStatus.FAILED, POLICY.max_attempts)
    assert (fresh.status, fresh.attempts) == (AlertStatus.PENDING, 1)
    assert await due_later(store, clock) == [fresh.id]


@pytest.mark.parametrize("earlier", [UNAVAILABLE, RATE_LIMITED], ids=["503", "429"])
async def test_a_403_after_other_failures_is_retried_and_a_second_in_a_row_parks(
    store: Store, clock: FakeClock, outcomes: Outcomes, earlier: SendFailure
) -> None:
    [alert] = await open_alerts(store, CONVERSATION, 1, clock())
    await outcomes.failed(await now_as(store, alert), earlier)
    await outcomes.failed(await now_as(store, alert), earlier)

    await outcomes.failed(await now_as(store, alert), FORBIDDEN)
    assert await store.references.is_reachable(CONVERSATION), "one 403 is not a stale reference"
    assert await due_later(store, clock) == [alert.id]

    await outcomes.failed(await now_as(store, alert), FORBIDDEN)
    assert not await store.references.is_reachable(CONVERSATION)
    assert await due_later(store, clock) == [], "nothing goes there until the user writes"
    [parked] = await now_as(store, alert)
    assert parked.status is AlertStatus.PENDING, "kept for when the user writes again"


async def test_403s_with_another_failure_between_are_not_in_a_row(
    store: Store, clock: FakeClock, outcomes: Outcomes
) -> None:
    [alert] = await open_alerts(store, CONVERSATION, 1, clock())
    for failure in (FORBIDDEN, UNAVAILABLE, FORBIDDEN):
        await outcomes.failed(await now_as(store, alert), failure)
    assert await store.references.is_reachable(CONVERSATION)
    assert await due_later(store, clock) == [alert.id]


async def test_a_fresh_alerts_first_403_does_not_park_whatever_came_before_it(
    store: Store, clock: FakeClock, outcomes: Outcomes
) -> None:
    earlier, fresh = await open_alerts(store, CONVERSATION, 2, clock())
    await outcomes.failed(await now_as(store, earlier), FORBIDDEN)
    await outcomes.failed(await now_as(store, fresh), FORBIDDEN)
    assert await store.references.is_reachable(CONVERSATION)

    await outcomes.failed(await now_as(store, earlier, fresh), FORBIDDEN)
    assert not await store.references.is_reachable(CONVERSATION), "the earlier one's second"


async def test_a_hold_is_recorded_on_each_alerts_watch_with_why(
    store: Store, clock: FakeClock, outcomes: Outcomes
) -> None:
    for_dialog, for_quiet = await open_alerts(store, CONVERSATION, 2, clock())
    quiet_end = clock() + timedelta(hours=8)

    await outcomes.held([for_dialog], hold_seconds=300)
    await outcomes.held([for_quiet], hold_seconds=300, until=quiet_end)

    [dialog] = await told(store, for_dialog, EventKind.HELD)
    assert dialog == WatchEvent(
        for_dialog.watch_id, clock(), EventKind.HELD, alert_id=for_dialog.id, detail=dialog.detail
    )
    assert dialog.detail == "a dialog with me was open" and quiet_hours_end(dialog.detail) is None
    [quiet] = await told(store, for_quiet, EventKind.HELD)
    assert quiet.alert_id == for_quiet.id and quiet_hours_end(quiet.detail) == quiet_end


async def test_an_alert_held_while_its_watch_sleeps_is_recorded_with_why(
    store: Store, clock: FakeClock, outcomes: Outcomes
) -> None:
    [alert] = await open_alerts(store, CONVERSATION, 1, clock())

    await outcomes.asleep([alert], None, "you paused the watch")

    [held] = await told(store, alert, EventKind.HELD)
    assert (held.alert_id, held.detail) == (alert.id, "you paused the watch")


async def test_dropped_alerts_are_never_sent_and_their_watches_record_why(
    store: Store, clock: FakeClock, outcomes: Outcomes
) -> None:
    dropped, sent_already, kept = await open_alerts(store, CONVERSATION, 3, clock())
    await outcomes.sent([sent_already], "test")

    await outcomes.dropped([dropped, sent_already], "the price went back up")

    assert await due_later(store, clock) == [kept.id]
    [dropped_now, sent_now] = await now_as(store, dropped, sent_already)
    assert (dropped_now.status, sent_now.status) == (AlertStatus.FAILED, AlertStatus.SENT)
    assert await told(store, dropped, EventKind.DROPPED) == [
        WatchEvent(
            dropped.watch_id,
            clock(),
            EventKind.DROPPED,
            alert_id=dropped.id,
            detail="the price went back up",
        )
    ]
    assert await told(store, sent_already, EventKind.DROPPED) == []
