"""What happens to an alert, by table: one function decides for the outbox and `why`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.alert_fate import Fate, Situation, fate
from domain.alerts import Alert, AlertKind, AlertStatus
from domain.departures import Departure
from domain.rules import RuleState, below_rule
from domain.watches import Watch

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
HOLD = timedelta(minutes=5)
WATCH = Watch(
    id=1,
    conversation_key="test/c",
    user_id="u",
    product_id="p-100",
    product_name="Headphones",
    currency="USD",
    rule=below_rule(Decimal(200), Decimal(160)),
    state=RuleState(armed=False, last_price=Decimal(150), crossings=1),
    created_at=NOW - timedelta(days=1),
)
LEFT = replace(WATCH, left_at=NOW, left_why=Departure.BOT_REMOVED)
ALERT = Alert(
    id=7,
    dedupe_key="watch-1-crossing-1",
    conversation_key="test/c",
    watch_id=1,
    product_id="p-100",
    product_name="Headphones",
    currency="USD",
    old_price=Decimal(200),
    new_price=Decimal(150),
    seen_at=NOW,
    status=AlertStatus.PENDING,
    attempts=0,
    held_at=None,
    last_error=None,
)


@pytest.mark.parametrize(
    ("alert", "watch", "situation", "expected"),
    [
        (ALERT, WATCH, {}, Fate.SEND),
        (replace(ALERT, status=AlertStatus.SENT), WATCH, {}, Fate.SENT),
        (replace(ALERT, status=AlertStatus.FAILED), WATCH, {}, Fate.GIVEN_UP),
        (ALERT, None, {}, Fate.STALE),
        (ALERT, replace(WATCH, rule=below_rule(Decimal(200), Decimal(100))), {}, Fate.STALE),
        (ALERT, replace(WATCH, paused_by_user=True), {}, Fate.ASLEEP),
        (ALERT, replace(WATCH, snoozed_until=NOW + HOLD), {}, Fate.ASLEEP),
        (ALERT, replace(WATCH, snoozed_until=NOW), {}, Fate.SEND),  # ran out
        (ALERT, WATCH, {"reachable": False}, Fate.UNREACHABLE),
        (ALERT, WATCH, {"quiet_until": NOW + HOLD}, Fate.HOLD_FOR_QUIET),
        (ALERT, WATCH, {"quiet_until": NOW}, Fate.SEND),
        (ALERT, WATCH, {"dialog_waiting": True, "hold": HOLD}, Fate.HOLD_FOR_DIALOG),
        (ALERT, WATCH, {"dialog_waiting": True}, Fate.SEND),  # no hold time: never held
        (
            replace(ALERT, held_at=NOW - HOLD),
            WATCH,
            {"dialog_waiting": True, "hold": HOLD},
            Fate.SEND,
        ),
        (
            ALERT,
            replace(WATCH, paused_by_user=True),
            {"quiet_until": NOW + HOLD, "dialog_waiting": True, "hold": HOLD},
            Fate.ASLEEP,
        ),
        (replace(ALERT, kind=AlertKind.UNAVAILABLE, new_price=None), WATCH, {}, Fate.SEND),
        (ALERT, LEFT, {}, Fate.STALE),  # given up, not held: it never goes there
        (replace(ALERT, kind=AlertKind.UNAVAILABLE, new_price=None), LEFT, {}, Fate.STALE),
        (ALERT, replace(LEFT, paused_by_user=True), {"reachable": False}, Fate.STALE),
    ],
)
def test_an_alerts_fate(
    alert: Alert, watch: Watch | None, situation: dict[str, object], expected: Fate
) -> None:
    assert fate(alert, Situation(NOW, watch, **situation)).fate is expected  # type: ignore[arg-type]


def test_holds_say_until_when() -> None:
    assert fate(ALERT, Situation(NOW, WATCH, quiet_until=NOW + HOLD)).until == NOW + HOLD
    dialog = fate(
        replace(ALERT, held_at=NOW - timedelta(minutes=1)), Situation(NOW, WATCH, True, hold=HOLD)
    )
    assert dialog.until == NOW + timedelta(minutes=4)
    snoozed = fate(ALERT, Situation(NOW, replace(WATCH, snoozed_until=NOW + HOLD)))
    assert snoozed.until == NOW + HOLD
    assert fate(ALERT, Situation(NOW, replace(WATCH, paused_by_user=True))).until is None


@pytest.mark.parametrize(
    ("departure", "why"),
    [
        (Departure.BOT_REMOVED, "I was removed from this chat"),
        (Departure.NOT_IN_ROSTER, "the channel told me I'm no longer in this chat"),
        (Departure.MEMBER_LEFT, "you left this chat"),
    ],
)
def test_an_alert_of_a_watch_someone_left_says_who_left(departure: Departure, why: str) -> None:
    verdict = fate(ALERT, Situation(NOW, replace(WATCH, left_at=NOW, left_why=departure)))
    assert verdict.why == why
