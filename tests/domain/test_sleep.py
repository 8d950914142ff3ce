"""Sleep, wake, the alert baseline and price protection: pure rules, by table."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.alert_birth import Crossing, born
from domain.rules import (
    Rule,
    RuleKind,
    RuleState,
    below_rule,
    evaluate,
    percent_rule,
    protect_rule,
    retargeted,
)
from domain.sleep import is_asleep, is_sleeping, owes_wake_alert
from domain.watches import Watch

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)
WATCH = Watch(
    id=1,
    conversation_key="test/c",
    user_id="u",
    product_id="p-100",
    product_name="Headphones",
    currency="USD",
    rule=below_rule(Decimal(200), Decimal(150)),
    state=RuleState(armed=True, last_price=Decimal(200)),
    created_at=NOW,
)


@pytest.mark.parametrize(
    ("changes", "asleep"),
    [
        ({}, False),
        ({"paused_by_user": True}, True),
        ({"snoozed_until": NOW + HOUR}, True),
        ({"snoozed_until": NOW}, False),  # ran out: awake even before the poll wakes it
        ({"expires_at": NOW}, True),  # price protection over
        ({"expires_at": NOW + HOUR}, False),
        ({"paused": True}, False),  # unavailable is not asleep
    ],
)
def test_asleep(changes: dict[str, object], asleep: bool) -> None:
    assert is_asleep(replace(WATCH, **changes), NOW) is asleep  # type: ignore[arg-type]


def test_sleeping_until_woken_even_after_the_snooze_ran_out() -> None:
    assert is_sleeping(replace(WATCH, snoozed_until=NOW - HOUR))
    assert not is_sleeping(WATCH)


@pytest.mark.parametrize(
    ("crossings", "slept_at", "armed", "owed"),
    [(1, 0, False, True), (1, 0, True, False), (1, 1, False, False), (3, 1, False, True)],
)
def test_a_wake_alert_is_owed_only_for_a_crossing_while_asleep_still_low(
    crossings: int, slept_at: int, armed: bool, owed: bool
) -> None:
    state = RuleState(armed=armed, last_price=Decimal(140), crossings=crossings)
    watch = replace(WATCH, state=state, sleep_crossings=slept_at)
    assert owes_wake_alert(watch, NOW) is owed
    assert not owes_wake_alert(replace(watch, expires_at=NOW), NOW), "protection over"


def test_a_crossing_remembers_the_price_before_it() -> None:
    outcome = evaluate(Decimal(150), RuleState(True, Decimal(175)), Decimal(149))
    assert outcome.fired and outcome.state.crossed_from == Decimal(175)


def test_the_baseline_of_an_alert_by_rule_kind() -> None:
    before = RuleState(True, Decimal(175))
    fired = RuleState(False, Decimal(150), crossings=1, crossed_from=Decimal(175))

    def baseline(rule: Rule) -> Decimal | None:
        alert = born(replace(WATCH, rule=rule, state=fired), Crossing(Decimal(150), before), NOW)
        assert alert is not None
        return alert.old_price

    assert baseline(below_rule(Decimal(140), Decimal(160))) == Decimal(175)
    assert baseline(percent_rule(Decimal(200), Decimal(20))) == Decimal(200)
    assert baseline(protect_rule(Decimal(179))) == Decimal("179.00")


def test_price_protection_fires_a_cent_under_the_price_paid() -> None:
    rule = protect_rule(Decimal("179"))
    assert (rule.kind, rule.start_price, rule.trigger_price) == (
        RuleKind.PROTECT,
        Decimal("179.00"),
        Decimal("178.99"),
    )


def test_a_lowered_percent_watch_becomes_a_below_one() -> None:
    rule = retargeted(percent_rule(Decimal(200), Decimal(20)), Decimal("120"))
    assert (rule.kind, rule.start_price, rule.trigger_price) == (
        RuleKind.BELOW,
        Decimal(200),
        Decimal("120.00"),
    )
    assert retargeted(protect_rule(Decimal(179)), Decimal(150)).kind is RuleKind.PROTECT
