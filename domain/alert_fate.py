"""What happens to an alert now: decided in one function, `fate`, for every caller.

The outbox's turn asks it for each alert it holds (send, hold, put aside), and `why`
asks it to tell where an alert stands. The claim's SQL (`OutboxStore.claim_due`) is its
twin for one question only: which open alerts are due and their conversation reachable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from domain.alerts import Alert, AlertKind, AlertStatus
from domain.departures import DEPARTURE_WHY
from domain.sleep import is_asleep
from domain.watches import Watch


class Fate(str, Enum):
    SEND = "send"
    HOLD_FOR_DIALOG = "hold_for_dialog"
    """A dialog waits for the user's answer; at most the hold time from the first hold."""
    HOLD_FOR_QUIET = "hold_for_quiet"
    """The user's quiet hours: until they end."""
    ASLEEP = "asleep"
    """The watch is paused or snoozed: held until it wakes (then due at once)."""
    STALE = "stale"
    """The alert no longer stands: its watch is gone, stopped because its owner or the
    bot left the conversation, or its trigger was lowered below the alert's price since."""
    UNREACHABLE = "unreachable"
    """The channel refused the conversation: waits until the user writes again."""
    SENT = "sent"
    GIVEN_UP = "given_up"


@dataclass(frozen=True)
class Situation:
    """What the alert's fate depends on, as it is now."""

    now: datetime
    watch: Watch | None
    """The alert's watch now; None when it was removed."""
    dialog_waiting: bool = False
    quiet_until: datetime | None = None
    """The end of the user's quiet hours when now is inside them."""
    reachable: bool = True
    hold: timedelta = timedelta(0)
    """ALERT_HOLD_SECONDS: the longest an open dialog holds an alert."""


@dataclass(frozen=True)
class Verdict:
    fate: Fate
    until: datetime | None = None
    """When a hold ends, if it is known."""
    why: str = ""


def fate(alert: Alert, situation: Situation) -> Verdict:
    """Finished alerts stay finished; one that no longer stands is put aside; then the
    watch's sleep, the conversation's reachability, the user's quiet hours and an open
    dialog hold it, in that order; otherwise it goes now."""
    if alert.status is AlertStatus.SENT:
        return Verdict(Fate.SENT)
    if alert.status is AlertStatus.FAILED:
        return Verdict(Fate.GIVEN_UP, why=alert.last_error or "")
    watch, now = situation.watch, situation.now
    stale = _why_stale(alert, watch)
    if stale or watch is None:
        return Verdict(Fate.STALE, why=stale or "the watch was removed")
    if is_asleep(watch, now):
        why = "you paused the watch" if watch.paused_by_user else "the watch is snoozed"
        return Verdict(Fate.ASLEEP, None if watch.paused_by_user else watch.snoozed_until, why)
    if not situation.reachable:
        return Verdict(Fate.UNREACHABLE, why="the channel refused my messages")
    if situation.quiet_until is not None and situation.quiet_until > now:
        return Verdict(Fate.HOLD_FOR_QUIET, situation.quiet_until, "quiet hours")
    if situation.dialog_waiting and situation.hold:
        ends = (alert.held_at or now) + situation.hold
        if ends > now:
            return Verdict(Fate.HOLD_FOR_DIALOG, ends, "a dialog is waiting for the user")
        return Verdict(Fate.SEND, why="held for ALERT_HOLD_SECONDS; the dialog is still open")
    return Verdict(Fate.SEND, why="the user is not in a dialog")


def _why_stale(alert: Alert, watch: Watch | None) -> str:
    """Why the alert no longer says something true, or "" when it still does."""
    if watch is None:
        return "the watch was removed"
    if watch.left_why is not None:  # never sent to a conversation its owner or bot left
        return DEPARTURE_WHY[watch.left_why]
    crossing = alert.kind in (AlertKind.DROP, AlertKind.PROTECT)
    if crossing and alert.new_price is not None and alert.new_price > watch.rule.trigger_price:
        return "the trigger was lowered below that price"
    return ""
