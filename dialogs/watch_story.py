"""`why X`: a watch's recent story in plain words. Pure: the caller gathers the facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final, Protocol, Sequence
from zoneinfo import ZoneInfo

from dialogs.texts import money
from domain.alerts import Alert, AlertKind, AlertStatus, Attempt
from domain.rules import RuleKind
from domain.watches import Watch

MAX_EVENTS: Final = 10


class PricePointLike(Protocol):
    """HISTORY's `domain.history.PricePoint`: a price seen (None: unavailable from then)."""

    @property
    def at(self) -> datetime: ...

    @property
    def price(self) -> Decimal | None: ...


@dataclass(frozen=True)
class AlertStory:
    alert: Alert
    attempts: Sequence[Attempt]


@dataclass(frozen=True)
class DeliveryFacts:
    """How delivery to the conversation stands right now."""

    reachable: bool
    dialog_open: bool
    quiet_until: datetime | None
    now: datetime | None = None
    """When the story is told: a snooze that ran out by then is not mentioned."""


def watch_story(
    watch: Watch,
    prices: Sequence[PricePointLike],
    alerts: Sequence[AlertStory],
    facts: DeliveryFacts,
    zone: ZoneInfo,
) -> str:
    """The rule, then the last MAX_EVENTS events (prices seen, alerts and what became of
    them), newest last, then what holds alerts back now."""
    events: list[tuple[datetime, str]] = [_price_event(watch, point, zone) for point in prices]
    for story in alerts:
        events.extend(_alert_events(watch, story, zone))
    events.sort(key=lambda event: event[0])
    lines = [_rule(watch), *(text for _, text in events[-MAX_EVENTS:])]
    if not events:
        lines.append("I haven't seen a price change or made an alert for it yet.")
    now = _now(watch, facts, zone)
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
    return f"You're watching **{watch.product_name}** for {trigger} or less{how}."


def _when(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%b} {local.day} {local:%H:%M}"


def _time(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%H:%M}"


def _price_event(watch: Watch, point: PricePointLike, zone: ZoneInfo) -> tuple[datetime, str]:
    when = _when(point.at, zone)
    if point.price is None:
        return point.at, f"- {when} unavailable: the watch waits for it to come back."
    price = money(point.price, watch.currency)
    where = (
        "at or below your trigger"
        if point.price <= watch.rule.trigger_price
        else "above your trigger, armed"
    )
    return point.at, f"- {when} {price}: {where}."


def _alert_events(watch: Watch, story: AlertStory, zone: ZoneInfo) -> list[tuple[datetime, str]]:
    alert = story.alert
    what = {
        AlertKind.DROP: "alert made"
        + ("" if alert.new_price is None else f" for {money(alert.new_price, watch.currency)}"),
        AlertKind.PROTECT: "price protection alert made"
        + ("" if alert.new_price is None else f" for {money(alert.new_price, watch.currency)}"),
        AlertKind.UNAVAILABLE: "alert made: unavailable",
        AlertKind.AVAILABLE: "alert made: available again",
    }[alert.kind]
    events = [(alert.seen_at, f"- {_when(alert.seen_at, zone)} {what}.")]
    if alert.held_at is not None:
        events.append(
            (alert.held_at, f"- {_when(alert.held_at, zone)} held: a dialog with me was open.")
        )
    if alert.quiet_until is not None:
        events.append(
            (
                alert.seen_at,
                f"- {_when(alert.seen_at, zone)} held for your quiet hours, until"
                f" {_time(alert.quiet_until, zone)}.",
            )
        )
    for attempt in story.attempts:
        when = _when(attempt.at, zone)
        if attempt.status is AlertStatus.SENT:
            events.append((attempt.at, f"- {when} alert sent."))
        elif attempt.status is AlertStatus.FAILED:
            events.append((attempt.at, f"- {when} delivery failed; I gave up on this alert."))
        else:
            events.append((attempt.at, f"- {when} delivery failed; retrying."))
    return events


def _now(watch: Watch, facts: DeliveryFacts, zone: ZoneInfo) -> list[str]:
    lines = []
    if watch.paused_by_user:
        lines.append(
            "Right now you have paused it: it tracks the price but says nothing until you"
            " resume it."
        )
    snoozed = watch.snoozed_until
    if snoozed is not None and (facts.now is None or snoozed > facts.now):
        lines.append(
            f"Right now it is snoozed until {_when(snoozed, zone)}: it tracks the price and"
            " tells you then if it is still at or below your trigger."
        )
    if watch.expires_at is not None:
        lines.append(f"Price protection runs until {_when(watch.expires_at, zone)}.")
    if watch.paused:
        lines.append("Right now the product is unavailable; the watch waits for it.")
    unconfirmed = watch.state.unconfirmed_price
    if unconfirmed is not None:
        lines.append(
            f"Right now a 90%+ drop to {money(unconfirmed, watch.currency)} waits for the next"
            " poll to confirm it (glitch guard)."
        )
    if not watch.state.armed and not watch.paused:
        lines.append(
            "It is at or below your trigger: I'll alert again once it goes back above and"
            " drops again."
        )
    if not facts.reachable:
        lines.append(
            "I can't reach this chat at the moment (the channel refused my messages);"
            " alerts wait until you write to me."
        )
    if facts.quiet_until is not None:
        lines.append(
            f"Your quiet hours are on: alerts wait until {_time(facts.quiet_until, zone)}."
        )
    if facts.dialog_open:
        lines.append("We're in the middle of something: alerts wait until it's done.")
    return lines
