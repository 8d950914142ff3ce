"""Every change of a watch's state, as pure functions from the watch read to a `Change`.

A `Change` is the watch after, the alerts it makes (`domain.alert_birth.born`) and the
events it records (`domain.watch_events`). The store's one write path applies it
against the version it was worked out from (`WatchStore.change` for a user's change,
under the row's lock; `record_poll` for the poll's, compare-and-set): a change worked
out from a watch that someone changed since is never written, it is worked out again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Callable

from domain.alert_birth import Available, Crossing, ShopSilent, Unavailable, Woke, born
from domain.alerts import NewAlert
from domain.departures import Departure
from domain.price_drops import chosen_gap
from domain.rules import Rule, evaluate, protect_rule, protected_state, retargeted
from domain.sleep import Sleep, is_sleeping, sleep_of
from domain.watch_events import EventKind, WatchEvent
from domain.watches import NewWatch, Watch


@dataclass(frozen=True)
class Change:
    before: Watch
    after: Watch
    alerts: list[NewAlert] = field(default_factory=list)
    events: list[WatchEvent] = field(default_factory=list)
    woke_at: datetime | None = None
    """When the watch woke: alerts held while it slept are due from then
    (`domain.alert_fate`)."""

    @property
    def writes(self) -> bool:
        return self.after != self.before or bool(self.alerts) or bool(self.events)

    def sleep(self, now: datetime) -> SleepChange:
        """What a pause, snooze or resume did, as its reply tells it."""
        return SleepChange(
            self.after,
            sleep_of(self.before, now),
            sleep_of(self.after, now),
            self.before.snoozed_until,
        )


@dataclass(frozen=True)
class SleepChange:
    watch: Watch
    """The watch after."""
    before: Sleep
    after: Sleep
    snoozed_until_before: datetime | None

    @property
    def changed(self) -> bool:
        return self.before is not self.after or (
            self.after is Sleep.SNOOZED and self.snoozed_until_before != self.watch.snoozed_until
        )

    @property
    def unavailable(self) -> bool:
        """The product is unavailable: the watch waits for it, whatever the user did."""
        return self.watch.paused


WatchChange = Callable[[Watch], Change]
"""A change worked out from the watch as read; the store applies it under its guard."""


def _event(
    watch: Watch,
    kind: EventKind,
    now: datetime,
    price: Decimal | None = None,
    detail: str | None = None,
) -> WatchEvent:
    """An event of the watch, with the trigger that holds as it happens."""
    return WatchEvent(
        watch.id, now, kind, price=price, trigger_price=watch.rule.trigger_price, detail=detail
    )


def _sleep_crossings(watch: Watch) -> int:
    """The crossing count a watch falling asleep now keeps: falling asleep again keeps
    the one it fell asleep at, so an alert it owes from before is not lost."""
    return watch.sleep_crossings if is_sleeping(watch) else watch.state.crossings


def pause(now: datetime) -> WatchChange:
    """Asleep until resumed; a snooze it had ends, and a stop its owner's leaving made
    (`domain.sleep.Sleep`). A paused watch stays as it is."""

    def change(watch: Watch) -> Change:
        if sleep_of(watch, now) is Sleep.PAUSED:
            return Change(watch, watch)
        after = replace(
            watch,
            paused_by_user=True,
            snoozed_until=None,
            left_at=None,
            left_why=None,
            sleep_crossings=_sleep_crossings(watch),
        )
        return Change(watch, after, events=[_event(watch, EventKind.PAUSED, now)])

    return change


def snooze(until: datetime, now: datetime) -> WatchChange:
    """Asleep until `until`, instead of any pause, stop or earlier snooze."""

    def change(watch: Watch) -> Change:
        after = replace(
            watch,
            paused_by_user=False,
            snoozed_until=until,
            left_at=None,
            left_why=None,
            sleep_crossings=_sleep_crossings(watch),
        )
        detail = until.isoformat()
        return Change(watch, after, events=[_event(watch, EventKind.SNOOZED, now, detail=detail)])

    return change


def resume(now: datetime) -> WatchChange:
    """Awake again, with the alert it owes (`domain.alert_birth.born`)."""

    def change(watch: Watch) -> Change:
        return _wake(watch, EventKind.RESUMED, now)

    return change


def as_card_showed(version: int | None, change: WatchChange) -> WatchChange:
    """`change`, asked for by a card's button: made only while the watch is as the card
    showed it (its owner changed nothing since: `user_version` is still `version`), and
    otherwise nothing. Worked out by the store from the row it locked, so of two presses
    of one card, on any instances, one changes the watch. A card made before versions
    were kept (`version` None) changes the watch as it is."""

    def change_if_current(watch: Watch) -> Change:
        if version is not None and watch.user_version != version:
            return Change(watch, watch)
        return change(watch)

    return change_if_current


def snooze_ran_out(now: datetime) -> WatchChange:
    def change(watch: Watch) -> Change:
        if watch.snoozed_until is None or watch.snoozed_until > now:
            return Change(watch, watch)
        if watch.paused_by_user or watch.left_at is not None:  # only the snooze ends
            return Change(watch, replace(watch, snoozed_until=None))
        return _wake(watch, EventKind.WOKE, now)

    return change


def left(departure: Departure, now: datetime) -> WatchChange:
    """Its owner or the bot left the conversation: stopped, saying nothing (its waiting
    alerts are given up: `domain.alert_fate`), until resumed or deleted. A stopped watch
    stays as it is."""

    def change(watch: Watch) -> Change:
        if watch.left_at is not None:
            return Change(watch, watch)
        after = replace(
            watch, left_at=now, left_why=departure, sleep_crossings=_sleep_crossings(watch)
        )
        event = _event(watch, EventKind.LEFT, now, detail=departure.value)
        return Change(watch, after, events=[event])

    return change


def _wake(watch: Watch, kind: EventKind, now: datetime) -> Change:
    after = replace(watch, paused_by_user=False, snoozed_until=None, left_at=None, left_why=None)
    if not is_sleeping(watch):
        return Change(watch, after)
    alert = born(after, Woke(), now)
    return Change(
        watch,
        after,
        alerts=[alert] if alert else [],
        events=[_event(watch, kind, now)],
        woke_at=now,
    )


def retarget(target: Decimal, now: datetime) -> WatchChange:
    """Fire at `target` from now on (`domain.rules.retargeted`, keeping the gap the user
    chose): armed when the last price is above it, so the next crossing of the new
    target alerts."""
    return _new_rule(lambda rule: retargeted(rule, target, chosen_gap(rule)), now)


def rerule(rule: Rule, now: datetime) -> WatchChange:
    """Fire under `rule` (made from today's price) from now on: a second `watch` of the
    same product, confirmed, changes the one watch instead of adding another."""
    return _new_rule(lambda _: rule, now)


def reprotect(
    paid: Decimal, current: Decimal | None, expires_at: datetime, now: datetime
) -> WatchChange:
    """A second `bought` of the same product: the protection takes the new price paid
    and window (`domain.rules.protected_state`), its crossings counted on."""

    def change(watch: Watch) -> Change:
        rule = protect_rule(paid)
        state = protected_state(rule, current, watch.state.crossings)
        after = replace(watch, rule=rule, state=state, expires_at=expires_at)
        return Change(watch, after, events=[_target_changed(watch, rule, now)])

    return change


def _new_rule(make: Callable[[Rule], Rule], now: datetime) -> WatchChange:
    def change(watch: Watch) -> Change:
        rule = make(watch.rule)
        last = watch.state.last_price
        armed = watch.state.armed if last is None else last > rule.trigger_price
        after = replace(watch, rule=rule, state=replace(watch.state, armed=armed))
        return Change(watch, after, events=[_target_changed(watch, rule, now)])

    return change


def _target_changed(watch: Watch, rule: Rule, now: datetime) -> WatchEvent:
    return WatchEvent(
        watch.id,
        now,
        EventKind.TARGET_CHANGED,
        trigger_price=rule.trigger_price,
        detail=str(watch.rule.trigger_price),
    )


def priced(watch: Watch, price: Decimal, outage: int, now: datetime) -> Change:
    """The poll saw `price` for the watch's product (the outage it may end: `outage`)."""
    made: list[NewAlert | None] = []
    events: list[WatchEvent] = []
    after = watch
    if watch.paused:
        after = replace(after, paused=False)
        events.append(_event(watch, EventKind.AVAILABLE, now, price))
        made.append(born(after, Available(outage, price), now))
    outcome = evaluate(watch.rule.trigger_price, watch.state, price)
    after = replace(after, state=outcome.state)
    if outcome.fired:
        alert = born(after, Crossing(price, watch.state), now)
        if alert is None:
            events.append(_event(watch, EventKind.FIRED_ASLEEP, now, price))
        made.append(alert)  # the alert is the crossing's record, its trigger with it
    elif outcome.state.armed and not watch.state.armed:
        events.append(_event(watch, EventKind.ARMED, now, price))
    return Change(watch, after, [alert for alert in made if alert is not None], events)


def unavailable(watch: Watch, outage: int, now: datetime) -> Change:
    """The product became unavailable (outage number `outage`)."""
    after = replace(watch, paused=True)
    alert = born(after, Unavailable(outage), now)
    event = _event(watch, EventKind.UNAVAILABLE, now)
    return Change(watch, after, [alert] if alert else [], [event])


def shop_silent(since: datetime, failure: str, now: datetime) -> WatchChange:
    """The watch's shop page has given no reading since `since` (`failure`: the last
    reason): its owner hears once, unless the watch sleeps. Its price is left alone: a
    page that cannot be read is not out of stock."""

    def change(watch: Watch) -> Change:
        alert = born(watch, ShopSilent(since), now)
        event = _event(watch, EventKind.SHOP_SILENT, now, detail=failure)
        return Change(watch, watch, [alert] if alert else [], [event])

    return change


def created(watch_id: int, watch: NewWatch) -> WatchEvent:
    """The event a new watch starts its story with: its price and trigger then."""
    return WatchEvent(
        watch_id,
        watch.created_at,
        EventKind.CREATED,
        price=watch.state.last_price,
        trigger_price=watch.rule.trigger_price,
    )
