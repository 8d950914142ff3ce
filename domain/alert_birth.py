"""Where every alert is born: one pure function, `born`, for every cause.

The poll (a crossing, the product gone or back) and waking (resume, a snooze that ran
out) describe what happened as a cause; `born` decides whether it makes an alert and
builds it: the dedupe key, the kind, the baseline price, the trigger it was judged
against and the sleep check. The store only inserts what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.alerts import AlertKind, NewAlert, crossing_kind, dedupe_key
from domain.rules import RuleKind, RuleState
from domain.sleep import is_asleep, owes_wake_alert
from domain.watches import Watch


@dataclass(frozen=True)
class Crossing:
    """The poll saw the price reach the trigger; `before` is the state it fired from."""

    price: Decimal
    before: RuleState


@dataclass(frozen=True)
class Woke:
    """The watch woke (resumed, or its snooze ran out)."""


@dataclass(frozen=True)
class Unavailable:
    outage: int
    """The product's outage count, this one included."""


@dataclass(frozen=True)
class Available:
    outage: int
    """The outage that just ended."""
    price: Decimal


@dataclass(frozen=True)
class ShopSilent:
    """The watch's shop page has given no reading since `since` (a day or more)."""

    since: datetime


Cause = Crossing | Woke | Unavailable | Available | ShopSilent


def born(watch: Watch, cause: Cause, now: datetime) -> NewAlert | None:
    """The alert `cause` makes for `watch` (its state after the cause), or None.

    An asleep watch makes none; on waking it makes the one it owes for its latest
    crossing (`domain.sleep.owes_wake_alert`), keyed like that crossing's own alert, so
    an alert made for it already, or a second wake, adds nothing."""
    match cause:
        case Crossing(price, before):
            if is_asleep(watch, now):
                return None
            baseline = _baseline(watch, before.last_price)
            return _alert(watch, f"crossing-{watch.state.crossings}", now, price, baseline)
        case Woke():
            if not owes_wake_alert(watch, now):
                return None
            price = watch.state.last_price
            return _alert(
                watch, f"crossing-{watch.state.crossings}", now, price, _wake_baseline(watch)
            )
        case Unavailable(outage):
            if is_asleep(watch, now):
                return None
            return _alert(
                watch, f"outage-{outage}-unavailable", now, None, kind=AlertKind.UNAVAILABLE
            )
        case Available(outage, price):
            if is_asleep(watch, now):
                return None
            return _alert(watch, f"outage-{outage}-available", now, price, kind=AlertKind.AVAILABLE)
        case ShopSilent(since):
            if is_asleep(watch, now):
                return None
            return _alert(
                watch,
                f"silent-{since.strftime('%Y%m%dT%H%M%S')}",
                now,
                None,
                kind=AlertKind.SHOP_SILENT,
            )


def _baseline(watch: Watch, last_before: Decimal | None) -> Decimal:
    """The price a drop alert says the price fell from. Percent rules are relative to
    the start price, price protection to the price paid (both always above the
    trigger); a `below` watch's is the price it saw just before the crossing, which may
    be years after it was made, at a price under the target."""
    if watch.rule.kind is RuleKind.BELOW and last_before is not None:
        return last_before
    return watch.rule.start_price


def _wake_baseline(watch: Watch) -> Decimal:
    """The baseline of the crossing a waking watch owes: the price before it."""
    return _baseline(watch, watch.state.crossed_from)


def _alert(
    watch: Watch,
    event: str,
    now: datetime,
    new_price: Decimal | None,
    old_price: Decimal | None = None,
    kind: AlertKind | None = None,
) -> NewAlert:
    crossing = kind is None
    return NewAlert(
        dedupe_key=dedupe_key(watch.id, event),
        conversation_key=watch.conversation_key,
        watch_id=watch.id,
        product_id=watch.product_id,
        product_name=watch.product_name,
        currency=watch.currency,
        old_price=old_price,
        new_price=new_price,
        seen_at=now,
        kind=crossing_kind(watch.rule.kind) if kind is None else kind,
        protected_until=watch.expires_at if crossing else None,
        trigger_price=watch.rule.trigger_price if crossing else None,
    )
