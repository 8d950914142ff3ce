"""The hold: whether a turn's alerts go now or wait for the user's open dialog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from domain.alerts import Alert


@dataclass(frozen=True)
class HoldDecision:
    send: list[Alert]
    hold: list[Alert]
    why: str
    """Why `send` goes now, for the log."""
    quiet_until: datetime | None = None
    """Set when `hold` waits for the end of the user's quiet hours, not for a dialog."""


def decide(
    alerts: Sequence[Alert],
    dialog_waiting: bool,
    now: datetime,
    hold: timedelta,
    quiet_until: datetime | None = None,
) -> HoldDecision:
    """In the user's quiet hours (`quiet_until` = the window's end), hold everything
    until then. Otherwise interject when no dialog waits for the user, or hold, each
    alert for at most `hold` from its first dialog hold (no hold time: never hold)."""
    if quiet_until is not None and quiet_until > now:
        return HoldDecision([], list(alerts), "quiet hours", quiet_until)
    if not dialog_waiting or not hold:
        return HoldDecision(list(alerts), [], "the user is not in a dialog")
    overdue = [a for a in alerts if a.held_at is not None and now - a.held_at >= hold]
    waiting = [alert for alert in alerts if alert not in overdue]
    return HoldDecision(overdue, waiting, "held for ALERT_HOLD_SECONDS; the dialog is still open")
