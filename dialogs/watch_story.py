"""`why X`: a watch's recent story in plain words. Pure: the caller gathers the facts.

The story tells what was recorded when it happened: the prices the polls saw, and the
watch's events (domain/watch_events.py), each with the trigger that held at that moment.
It never re-derives the past from today's state, so changing a watch leaves what was
told before it as it was. Only the "right now" part reads today's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Final, Sequence

from dialogs.texts import md, money, stopped_because
from domain.alert_fate import Fate, Situation, fate
from domain.alerts import Alert, AlertKind, AlertStatus, Attempt
from domain.departures import DEPARTURE_WHY, Departure
from domain.history import PricePoint
from domain.local_times import LocalTimes
from domain.rules import RuleKind
from domain.sleep import is_sleeping, owes_wake_alert
from domain.watch_events import EventKind, WatchEvent, moment_of, quiet_hours_end
from domain.watches import Watch

MAX_EVENTS: Final = 10
"""Lines the story tells, the most recent."""
LOOK_BACK: Final = timedelta(days=7)
"""How far back the story goes (not before the watch was made)."""

_EVENT = 0
_PRICE = 1
_ALERT = 2
_DELIVERY = 3
"""Ranks: what comes first among lines of the same moment (events of one rank keep the
order they were recorded in)."""

_ALERTS_AGAIN: Final = "I'll alert again once it goes back above and drops again."
_LOW_NOW: Final = f"It is at or below your trigger: {_ALERTS_AGAIN}"

_ALERT_KINDS: Final = {
    EventKind.FIRED: (AlertKind.DROP, AlertKind.PROTECT),
    EventKind.UNAVAILABLE: (AlertKind.UNAVAILABLE,),
    EventKind.AVAILABLE: (AlertKind.AVAILABLE,),
    EventKind.SHOP_SILENT: (AlertKind.SHOP_SILENT,),
}
"""The alerts an event of each kind makes: its line tells the alert's making too."""


@dataclass(frozen=True)
class AlertStory:
    alert: Alert
    attempts: Sequence[Attempt]


@dataclass(frozen=True)
class Recorded:
    """What was recorded about a watch, oldest first."""

    prices: Sequence[PricePoint] = ()
    """The product's prices seen since `story_start`."""
    events: Sequence[WatchEvent] = ()
    """The watch's events, all those kept: older ones tell the trigger of later prices."""
    alerts: Sequence[AlertStory] = ()
    """The watch's recent alerts with their delivery attempts."""


@dataclass(frozen=True)
class DeliveryFacts:
    """How delivery to the conversation stands right now."""

    reachable: bool
    dialog_open: bool
    quiet_until: datetime | None
    now: datetime


def story_start(watch: Watch, now: datetime) -> datetime:
    """Where the story begins: LOOK_BACK ago, or when the watch was made if later."""
    return max(watch.created_at, now - LOOK_BACK)


def watch_story(watch: Watch, recorded: Recorded, facts: DeliveryFacts, times: LocalTimes) -> str:
    """The rule, then the last MAX_EVENTS lines of what happened since `story_start`,
    newest last, then what holds alerts back now; its times as `times` reads them."""
    start = story_start(watch, facts.now)
    told = sorted(_Teller(watch, recorded, times).lines(), key=lambda line: line[:2])
    events = [text for at, _, text in told if at >= start][-MAX_EVENTS:]
    lines = [_rule(watch), *events]
    if not events:
        lines.append("I haven't seen a price change or made an alert for it yet.")
    now = _now(watch, recorded.alerts, facts, times)
    if now:  # apart from the list, or Markdown reads it as the last event's
        lines.extend(["", *now])
    return "\n".join(lines)


def _rule(watch: Watch) -> str:
    rule = watch.rule
    trigger = money(rule.trigger_price, watch.currency)
    how = (
        f" ({rule.threshold_percent:g}% below {money(rule.start_price, watch.currency)})"
        if rule.kind is RuleKind.PERCENT
        else ""
    )
    return f"You're watching **{md(watch.product_name)}** for {trigger} or less{how}."


Line = tuple[datetime, int, str]
"""When, its rank among lines of that moment, and the text."""


class _Teller:
    """Turns what was recorded into lines."""

    def __init__(self, watch: Watch, recorded: Recorded, times: LocalTimes) -> None:
        self._watch = watch
        self._times = times
        self._prices = recorded.prices
        self._alerts = recorded.alerts
        self._events = sorted(recorded.events, key=lambda event: event.at)  # stable: by id
        self._made = {event: _alert_made_by(event, recorded.alerts) for event in self._events}

    def lines(self) -> list[Line]:
        lines = [self._event(event) for event in _once(self._events)]
        lines.extend(self._price(point) for point in self._prices if self._untold(point))
        told = {alert.id for alert in self._made.values() if alert is not None}
        for story in self._alerts:
            lines.extend(self._alert(story, told))
        return lines

    def _line(self, at: datetime, rank: int, text: str) -> Line:
        return at, rank, f"- {self._times.at(at)} {text}."

    def _money(self, amount: Decimal) -> str:
        return money(amount, self._watch.currency)

    def _trigger_at(self, moment: datetime) -> Decimal | None:
        """The trigger that held at that moment: the one the latest event by then
        recorded (every change of it is an event: CREATED, TARGET_CHANGED); None before
        the first, for a watch made before events were recorded."""
        trigger = None
        for event in self._events:
            if event.at > moment:
                break
            if event.trigger_price is not None:
                trigger = event.trigger_price
        return trigger

    def _stood(self, price: Decimal | None, where: str, trigger: Decimal | None) -> str:
        """ "$149.99, at or below your $159.99 trigger" (no price, or trigger: left out)."""
        yours = "your trigger" if trigger is None else f"your {self._money(trigger)} trigger"
        return f"{where} {yours}" if price is None else f"{self._money(price)}, {where} {yours}"

    def _untold(self, point: PricePoint) -> bool:
        """A price no event or crossing alert of the same moment tells already."""
        return not any(
            event.at == point.at
            and (
                event.kind is EventKind.UNAVAILABLE
                if point.price is None
                else event.price == point.price
            )
            for event in self._events
        ) and not any(
            _crossing(story.alert)
            and story.alert.seen_at == point.at
            and story.alert.new_price == point.price
            for story in self._alerts
        )

    def _price(self, point: PricePoint) -> Line:
        if point.price is None:
            return self._line(point.at, _PRICE, "unavailable: the watch waits for it to come back")
        trigger = self._trigger_at(point.at)
        if trigger is None:
            return self._line(point.at, _PRICE, f"price {self._money(point.price)}")
        where = "at or below" if point.price <= trigger else "above"
        return self._line(point.at, _PRICE, self._stood(point.price, where, trigger))

    def _event(self, event: WatchEvent) -> Line:
        kind = event.kind
        if kind in (EventKind.CREATED, EventKind.TARGET_CHANGED):
            return self._line(event.at, _EVENT, self._rule_event(event))
        if kind in (
            EventKind.PAUSED,
            EventKind.SNOOZED,
            EventKind.RESUMED,
            EventKind.WOKE,
            EventKind.LEFT,
        ):
            return self._line(event.at, _EVENT, self._sleep_event(event))
        if kind in (EventKind.HELD, EventKind.SENT, EventKind.FAILED, EventKind.DROPPED):
            return self._line(event.at, _DELIVERY, self._delivery_event(event))
        return self._line(event.at, _EVENT, self._decision(event))

    def _rule_event(self, event: WatchEvent) -> str:
        new = event.trigger_price
        if event.kind is EventKind.CREATED:
            at = "" if event.price is None else f" at {self._money(event.price)}"
            to = "" if new is None else f", for {self._money(new)} or less"
            return f"you started watching it{at}{to}"
        old = _decimal(event.detail)
        if new is None:
            return "you changed your trigger"
        if old is None or old == new:
            return f"you set your trigger to {self._money(new)}"
        how = "lowered" if new < old else "raised"
        return f"you {how} your trigger from {self._money(old)} to {self._money(new)}"

    def _sleep_event(self, event: WatchEvent) -> str:
        if event.kind is EventKind.PAUSED:
            return "you paused it"
        if event.kind is EventKind.RESUMED:
            return "you resumed it"
        if event.kind is EventKind.WOKE:
            return "its snooze ended"
        if event.kind is EventKind.LEFT:
            try:
                return stopped_because(Departure(event.detail))
            except ValueError:
                return "stopped"
        until = None if event.detail is None else moment_of(event.detail)
        return "you snoozed it" + ("" if until is None else f" until {self._times.at(until)}")

    def _delivery_event(self, event: WatchEvent) -> str:
        why = f": {event.detail}" if event.detail else ""
        if event.kind is EventKind.HELD:
            quiet_until = quiet_hours_end(event.detail)
            if quiet_until is not None:
                return f"held for your quiet hours, until {self._times.at(quiet_until)}"
            return f"held{why}"
        if event.kind is EventKind.SENT:
            return "alert sent"
        if event.kind is EventKind.FAILED:
            return f"delivery failed{why}"
        return f"alert not sent{why}"

    def _decision(self, event: WatchEvent) -> str:
        """What the poll saw and decided: crossed, armed again, unavailable, back."""
        made = self._made[event]
        if event.kind is EventKind.UNAVAILABLE:
            text = "unavailable: the watch waits for it to come back"
            return text + ("; alert made" if made is not None else "")
        if event.kind is EventKind.SHOP_SILENT:
            text = "the shop had not answered for a day" + (
                "" if not event.detail else f" ({event.detail})"
            )
            return text + ("; alert made" if made is not None else "")
        if event.kind is EventKind.AVAILABLE:
            text = "available again" + (
                "" if event.price is None else f" at {self._money(event.price)}"
            )
            return text + ("; alert made" if made is not None else "")
        trigger = event.trigger_price or self._trigger_at(event.at)  # as recorded with it
        where = "back above" if event.kind is EventKind.ARMED else "at or below"
        price = self._stood(event.price, where, trigger)
        if event.kind is EventKind.ARMED:
            return f"{price}: the next drop alerts you again"
        if event.kind is EventKind.FIRED_ASLEEP:
            return f"{price} {self._asleep(event)}: no alert then"
        return f"{price}: {_made_words(made)}"  # a FIRED event, as databases before v15 kept them

    def _asleep(self, event: WatchEvent) -> str:
        """Why a watch that reached its trigger made no alert, from the events before."""
        expires = self._watch.expires_at
        if expires is not None and event.at >= expires:
            return "after its price protection ended"
        why = "while it was paused or snoozed"
        for earlier in self._events:
            if earlier.at > event.at:
                break
            if earlier.kind is EventKind.PAUSED:
                why = "while you had paused it"
            elif earlier.kind is EventKind.SNOOZED:
                why = "while it was snoozed"
            elif earlier.kind is EventKind.LEFT:
                why = "while it was stopped"
        return why

    def _alert(self, story: AlertStory, told: set[int]) -> list[Line]:
        """The alert's making (unless its event told it), and each delivery attempt."""
        alert = story.alert
        lines = []
        if alert.id not in told:
            lines.append(self._line(alert.seen_at, _ALERT, self._making(alert)))
        for attempt in story.attempts:
            if attempt.status is AlertStatus.SENT:
                text = "alert sent"
            elif attempt.status is AlertStatus.FAILED:
                text = "delivery failed; I gave up on this alert"
            else:
                text = "delivery failed; retrying"
            lines.append(self._line(attempt.at, _DELIVERY, text))
        return lines

    def _making(self, alert: Alert) -> str:
        """The alert's making: a crossing's with the price and the trigger it was judged
        against, as recorded with it; any other as what it says."""
        if _crossing(alert) and alert.trigger_price is not None:
            price = self._stood(alert.new_price, "at or below", alert.trigger_price)
            return f"{price}: {_made_words(alert)}"
        return _made(alert, self._watch.currency)


def _made_words(alert: Alert | None) -> str:
    protects = alert is not None and alert.kind is AlertKind.PROTECT
    return "price protection alert made" if protects else "alert made"


def _crossing(alert: Alert) -> bool:
    """A drop or price protection alert: made by a crossing, or owed for one on waking."""
    return alert.kind in (AlertKind.DROP, AlertKind.PROTECT)


def _once(events: Sequence[WatchEvent]) -> list[WatchEvent]:
    """The events, less an alert's hold recorded again for the same reason (each of the
    user's turns holds a sleeping watch's alert again)."""
    kept: list[WatchEvent] = []
    held_for: dict[int, str | None] = {}
    for event in events:
        if event.alert_id is not None and event.kind is EventKind.HELD:
            if event.alert_id in held_for and held_for[event.alert_id] == event.detail:
                continue
            held_for[event.alert_id] = event.detail
        elif event.alert_id is not None:
            held_for.pop(event.alert_id, None)
        kept.append(event)
    return kept


def _alert_made_by(event: WatchEvent, alerts: Sequence[AlertStory]) -> Alert | None:
    """The alert the event made: the one it names, or else one of its kind made at the
    same moment."""
    kinds = _ALERT_KINDS.get(event.kind)
    if kinds is None:
        return None
    for story in alerts:
        alert = story.alert
        if event.alert_id is not None:
            if alert.id == event.alert_id:
                return alert
        elif alert.kind in kinds and alert.seen_at == event.at:
            return alert
    return None


def _made(alert: Alert, currency: str) -> str:
    price = "" if alert.new_price is None else f" for {money(alert.new_price, currency)}"
    return {
        AlertKind.DROP: f"alert made{price}",
        AlertKind.PROTECT: f"price protection alert made{price}",
        AlertKind.UNAVAILABLE: "alert made: unavailable",
        AlertKind.AVAILABLE: "alert made: available again",
        AlertKind.SHOP_SILENT: "alert made: the shop stopped answering",
    }[alert.kind]


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _now(
    watch: Watch, alerts: Sequence[AlertStory], facts: DeliveryFacts, times: LocalTimes
) -> list[str]:
    """Today's state, each thing said once: what the watch does, what becomes of its
    waiting alerts, then what holds alerts."""
    lines = []
    ended = watch.expires_at is not None and watch.expires_at <= facts.now
    if watch.expires_at is not None:
        lines.append(
            f"Its price protection ended {times.at(watch.expires_at)}: it sends nothing more."
            if ended
            else f"Price protection runs until {times.at(watch.expires_at)}."
        )
    if watch.paused:
        lines.append("Right now the product is unavailable; the watch waits for it.")
    if not ended:
        lines.extend(_trigger_now(watch, facts.now, times))
    lines.extend(_waiting(watch, alerts, facts))
    unconfirmed = watch.state.unconfirmed_price
    if unconfirmed is not None:
        lines.append(
            f"Right now a 90%+ drop to {money(unconfirmed, watch.currency)} waits for the next"
            " poll to confirm it (glitch guard)."
        )
    if not facts.reachable:
        lines.append(
            "I can't reach this chat at the moment (the channel refused my messages);"
            " alerts wait until you write to me."
        )
    if facts.quiet_until is not None:
        lines.append(f"Your quiet hours are on: alerts wait until {times.at(facts.quiet_until)}.")
    if facts.dialog_open:
        lines.append("We're in the middle of something: alerts wait until it's done.")
    return lines


def _waiting(watch: Watch, alerts: Sequence[AlertStory], facts: DeliveryFacts) -> list[str]:
    """What becomes of each waiting alert (`domain.alert_fate`) when it is not what
    holds every alert of the chat (told after it): held while the watch sleeps, or
    never sent because it no longer stands."""
    situation = Situation(
        facts.now, watch, facts.dialog_open, facts.quiet_until, reachable=facts.reachable
    )
    lines = []
    for story in alerts:
        alert = story.alert
        if alert.status not in (AlertStatus.PENDING, AlertStatus.HELD):
            continue
        verdict = fate(alert, situation)
        if verdict.fate is Fate.ASLEEP:
            lines.append(f"{_alert_name(alert)} waits: {verdict.why}.")
        elif verdict.fate is Fate.STALE:
            lines.append(f"{_alert_name(alert)} won't be sent: {verdict.why}.")
    return lines


def _alert_name(alert: Alert) -> str:
    if alert.kind is AlertKind.UNAVAILABLE:
        return "The alert that it is unavailable"
    if alert.kind is AlertKind.AVAILABLE:
        return "The alert that it is back"
    if alert.kind is AlertKind.SHOP_SILENT:
        return "The alert that the shop stopped answering"
    return "The alert" + (
        "" if alert.new_price is None else f" for {money(alert.new_price, alert.currency)}"
    )


def _trigger_now(watch: Watch, now: datetime, times: LocalTimes) -> list[str]:
    """Paused, snoozed or awake, and what the next alert waits for: one account of it."""
    low = not watch.state.armed and not watch.paused
    owes = is_sleeping(watch) and owes_wake_alert(watch, now) and not watch.paused
    snoozed = watch.snoozed_until
    if watch.left_why is not None:
        asleep = (
            f"Right now it is stopped because {DEPARTURE_WHY[watch.left_why]}: it tracks the"
            " price but says nothing until you resume it."
        )
        then = "when you resume it"
    elif watch.paused_by_user:
        asleep = (
            "Right now you have paused it: it tracks the price but says nothing until you"
            " resume it."
        )
        then = "when you resume it"
    elif snoozed is not None and snoozed > now:
        asleep = (
            f"Right now it is snoozed until {times.at(snoozed)}: it tracks the price but"
            " says nothing until then."
        )
        then = "when the snooze ends"
    elif owes:
        return [
            "Its snooze is over and it reached your trigger meanwhile: I'll tell you at the"
            " next price check if it is still at or below it."
        ]
    else:
        return [_LOW_NOW] if low else []
    if owes:
        return [
            f"{asleep} It reached your trigger meanwhile: I'll tell you {then} if it is still"
            " at or below it."
        ]
    if low:
        return [f"{asleep} It was already at or below your trigger: {_ALERTS_AGAIN}"]
    if watch.paused:
        return [asleep]
    return [
        f"{asleep} If it drops to your trigger meanwhile, I'll tell you {then} if it is"
        " still there."
    ]
