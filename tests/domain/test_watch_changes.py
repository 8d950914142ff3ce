"""Every change of a watch as a pure function: what it writes, the alerts it makes and
the events it records."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from domain import watch_changes
from domain.alerts import AlertKind
from domain.departures import Departure
from domain.rules import RuleKind, RuleState, below_rule, percent_rule, protect_rule
from domain.sleep import Sleep
from domain.watch_events import EventKind
from domain.watches import Watch

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
WATCH = Watch(
    id=3,
    conversation_key="test/c",
    user_id="u",
    product_id="p-100",
    product_name="Headphones",
    currency="USD",
    rule=percent_rule(Decimal("199.99"), Decimal(20)),
    state=RuleState(armed=True, last_price=Decimal("199.99")),
    created_at=NOW - timedelta(days=1),
    version=4,
)


def kinds(change: watch_changes.Change) -> list[EventKind]:
    return [event.kind for event in change.events]


def test_a_crossing_makes_one_alert_and_records_the_trigger_then() -> None:
    change = watch_changes.priced(WATCH, Decimal(150), 0, NOW)
    [alert] = change.alerts
    assert (alert.dedupe_key, alert.kind, alert.old_price, alert.new_price) == (
        "watch-3-crossing-1",
        AlertKind.DROP,
        Decimal("199.99"),
        Decimal(150),
    )
    assert alert.trigger_price == Decimal("159.99"), "the trigger then, recorded with it"
    assert change.events == [], "the alert is the crossing's record"
    assert change.after.state.crossings == 1 and not change.after.state.armed


def test_an_asleep_watch_fires_silently_and_owes_the_alert_on_waking() -> None:
    paused = watch_changes.pause(NOW)(WATCH).after
    fired = watch_changes.priced(paused, Decimal(150), 0, NOW)
    assert fired.alerts == [] and kinds(fired) == [EventKind.FIRED_ASLEEP]
    woken = watch_changes.resume(NOW)(fired.after)
    [alert] = woken.alerts
    assert alert.dedupe_key == "watch-3-crossing-1", "the same key as the crossing's own"
    assert woken.woke_at == NOW and kinds(woken) == [EventKind.RESUMED]


def test_waking_after_the_price_went_back_up_owes_nothing() -> None:
    paused = watch_changes.pause(NOW)(WATCH).after
    fired = watch_changes.priced(paused, Decimal(150), 0, NOW).after
    rearmed = watch_changes.priced(fired, Decimal(190), 0, NOW)
    assert kinds(rearmed) == [EventKind.ARMED]
    assert watch_changes.resume(NOW)(rearmed.after).alerts == []


def test_resuming_an_awake_watch_changes_nothing() -> None:
    change = watch_changes.resume(NOW)(WATCH)
    assert not change.writes


def test_a_snooze_ends_at_the_poll_after_its_end_and_not_before() -> None:
    snoozed = watch_changes.snooze(NOW + timedelta(hours=1), NOW)(WATCH).after
    assert not watch_changes.snooze_ran_out(NOW)(snoozed).writes
    later = NOW + timedelta(hours=1)
    woken = watch_changes.snooze_ran_out(later)(snoozed)
    assert woken.after.snoozed_until is None and kinds(woken) == [EventKind.WOKE]


def test_a_new_target_rearms_above_it_and_records_the_old_one() -> None:
    fired = watch_changes.priced(WATCH, Decimal(150), 0, NOW).after
    change = watch_changes.retarget(Decimal(100), NOW)(fired)
    assert change.after.rule.kind is RuleKind.BELOW
    assert change.after.state.armed, "$150 is above the new $100 target: the next crossing alerts"
    [event] = change.events
    assert (event.kind, event.trigger_price, event.detail) == (
        EventKind.TARGET_CHANGED,
        Decimal("100.00"),
        "159.99",
    )


def test_the_product_gone_and_back_are_notices_unless_asleep() -> None:
    gone = watch_changes.unavailable(WATCH, 1, NOW)
    assert [a.kind for a in gone.alerts] == [AlertKind.UNAVAILABLE] and gone.after.paused
    back = watch_changes.priced(gone.after, Decimal("199.99"), 1, NOW)
    assert [a.kind for a in back.alerts] == [AlertKind.AVAILABLE] and not back.after.paused
    asleep = replace(WATCH, paused_by_user=True)
    assert watch_changes.unavailable(asleep, 1, NOW).alerts == []


def test_a_below_watch_says_the_price_it_fell_from() -> None:
    watch = replace(
        WATCH, rule=below_rule(Decimal(200), Decimal(160)), state=RuleState(True, Decimal(175))
    )
    [alert] = watch_changes.priced(watch, Decimal(155), 0, NOW).alerts
    assert alert.old_price == Decimal(175)


# Sleep states composed by rule: one of awake, paused, snoozed; each change says what it did.

LATER = NOW + timedelta(hours=2)


def test_a_snooze_replaces_a_pause_and_says_it_did() -> None:
    paused = watch_changes.pause(NOW)(WATCH).after
    change = watch_changes.snooze(LATER, NOW)(paused)
    assert not change.after.paused_by_user and change.after.snoozed_until == LATER
    told = change.sleep(NOW)
    assert (told.before, told.after, told.changed) == (Sleep.PAUSED, Sleep.SNOOZED, True)


def test_a_pause_replaces_a_snooze_and_keeps_no_hidden_end() -> None:
    snoozed = watch_changes.snooze(LATER, NOW)(WATCH).after
    change = watch_changes.pause(NOW)(snoozed)
    assert change.after.paused_by_user and change.after.snoozed_until is None
    told = change.sleep(NOW)
    assert (told.before, told.after, told.snoozed_until_before) == (
        Sleep.SNOOZED,
        Sleep.PAUSED,
        LATER,
    )


def test_pausing_a_paused_watch_writes_nothing_and_says_nothing_changed() -> None:
    paused = watch_changes.pause(NOW)(WATCH).after
    change = watch_changes.pause(NOW)(paused)
    assert not change.writes and not change.sleep(NOW).changed


def test_resuming_an_awake_watch_says_nothing_changed() -> None:
    told = watch_changes.resume(NOW)(WATCH).sleep(NOW)
    assert (told.before, told.after, told.changed) == (Sleep.AWAKE, Sleep.AWAKE, False)


def test_resuming_an_unavailable_watch_says_it_is_unavailable() -> None:
    unavailable = replace(watch_changes.pause(NOW)(WATCH).after, paused=True)
    told = watch_changes.resume(NOW)(unavailable).sleep(NOW)
    assert told.changed and told.unavailable and told.after is Sleep.AWAKE


def test_a_snooze_over_a_pause_keeps_the_alert_owed_from_the_pause() -> None:
    paused = watch_changes.pause(NOW)(WATCH).after
    fired = watch_changes.priced(paused, Decimal(150), 0, NOW).after
    snoozed = watch_changes.snooze(LATER, NOW)(fired).after
    woken = watch_changes.snooze_ran_out(LATER)(snoozed)
    [alert] = woken.alerts
    assert alert.dedupe_key == "watch-3-crossing-1"


def test_a_second_protection_renews_the_first_and_counts_its_crossings_on() -> None:
    protected = replace(
        WATCH,
        rule=protect_rule(Decimal(36)),
        state=RuleState(armed=False, last_price=Decimal(30), crossings=2),
        expires_at=NOW + timedelta(days=30),
    )
    change = watch_changes.reprotect(Decimal("35.50"), Decimal(30), LATER, NOW)(protected)
    assert change.after.rule == protect_rule(Decimal("35.50"))
    assert change.after.expires_at == LATER
    assert change.after.state.crossings == 3, "a new crossing, never a key used before"
    assert kinds(change) == [EventKind.TARGET_CHANGED]


def test_a_new_rule_replaces_the_old_one_armed_by_the_last_price() -> None:
    rule = below_rule(Decimal("199.99"), Decimal(150))
    change = watch_changes.rerule(rule, NOW)(WATCH)
    assert change.after.rule == rule and change.after.state.armed
    [event] = change.events
    assert (event.kind, event.trigger_price, event.detail) == (
        EventKind.TARGET_CHANGED,
        Decimal("150.00"),
        "159.99",
    )


def test_leaving_stops_a_watch_once_and_keeps_what_it_owes() -> None:
    paused = watch_changes.pause(NOW)(WATCH).after
    fired = watch_changes.priced(paused, Decimal(150), 0, NOW).after
    left = watch_changes.left(Departure.MEMBER_LEFT, NOW)(fired)
    assert (left.after.left_at, left.after.left_why) == (NOW, Departure.MEMBER_LEFT)
    [event] = left.events
    assert (event.kind, event.detail) == (EventKind.LEFT, "member_left")
    assert left.after.sleep_crossings == 0, "the crossing it slept through is still owed"
    again = watch_changes.left(Departure.BOT_REMOVED, NOW + timedelta(days=1))(left.after)
    assert not again.writes, "stopped already: when and why stay the first"


def test_a_stopped_watch_fires_silently_and_a_resume_makes_it_theirs_again() -> None:
    left = watch_changes.left(Departure.BOT_REMOVED, NOW)(WATCH).after
    assert left.paused_by_user is False
    fired = watch_changes.priced(left, Decimal(150), 0, NOW)
    assert fired.alerts == [] and kinds(fired) == [EventKind.FIRED_ASLEEP]
    resumed = watch_changes.resume(NOW)(fired.after)
    assert resumed.after.left_at is None and resumed.after.left_why is None
    [alert] = resumed.alerts
    assert alert.dedupe_key == "watch-3-crossing-1"
    assert resumed.sleep(NOW).before is Sleep.LEFT and resumed.sleep(NOW).after is Sleep.AWAKE


def test_pausing_or_snoozing_a_stopped_watch_replaces_the_stop() -> None:
    left = watch_changes.left(Departure.MEMBER_LEFT, NOW)(WATCH).after
    paused = watch_changes.pause(NOW)(left)
    assert paused.after.left_at is None and paused.sleep(NOW).after is Sleep.PAUSED
    until = NOW + timedelta(hours=2)
    snoozed = watch_changes.snooze(until, NOW)(left)
    assert snoozed.after.left_at is None and snoozed.sleep(NOW).after is Sleep.SNOOZED


def test_a_snooze_that_runs_out_on_a_stopped_watch_leaves_it_stopped() -> None:
    snoozed = watch_changes.snooze(NOW + timedelta(hours=1), NOW)(WATCH).after
    left = watch_changes.left(Departure.BOT_REMOVED, NOW)(snoozed).after
    ran_out = watch_changes.snooze_ran_out(NOW + timedelta(hours=2))(left)
    assert ran_out.after.snoozed_until is None and ran_out.after.left_at == NOW
    assert ran_out.alerts == [] and ran_out.events == []
