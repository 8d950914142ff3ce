"""When a watch is asleep (paused by its user, snoozed, stopped because its owner or the
bot left the conversation, or past its protection window) and what it owes its user on
waking. Pure functions.

An asleep watch keeps evaluating prices exactly as an awake one (last price, armed,
crossings), but creates no alert. On waking, if it fired while asleep (its crossings
grew) and is still at or under its trigger (not armed), it owes exactly one drop
alert, keyed by its latest crossing (`dedupe_key(id, f"crossing-{crossings}")`), so
an alert the poll made for that crossing already, or a second wake, adds nothing.
Unavailable/available notices are not sent for asleep watches either: the watch
still pauses and resumes with its product, and `list` shows that.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from domain.watches import Watch


class Sleep(str, Enum):
    """What became of a watch's alerts: one of four, never two at once.

    A pause and a snooze replace each other: `pause` on a snoozed watch ends the snooze
    (paused until resumed), `snooze` on a paused watch ends the pause (alerts come back
    when the snooze runs out). A watch whose owner or bot left the conversation is
    stopped, whatever it was before; `pause`, `snooze` or `resume` by its owner make it
    theirs again. `list`, `why` and the replies all read this."""

    AWAKE = "awake"
    PAUSED = "paused"
    SNOOZED = "snoozed"
    LEFT = "left"
    """Stopped: its owner or the bot left the conversation (`domain.departures`)."""


def sleep_of(watch: Watch, now: datetime) -> Sleep:
    if watch.left_at is not None:
        return Sleep.LEFT
    if watch.paused_by_user:
        return Sleep.PAUSED
    if watch.snoozed_until is not None and watch.snoozed_until > now:
        return Sleep.SNOOZED
    return Sleep.AWAKE


def is_asleep(watch: Watch, now: datetime) -> bool:
    """No alerts now. Its SQL twin is `state.rule_sql.asleep_sql`."""
    return (
        watch.left_at is not None
        or watch.paused_by_user
        or (watch.snoozed_until is not None and watch.snoozed_until > now)
        or (watch.expires_at is not None and watch.expires_at <= now)
    )


def is_sleeping(watch: Watch) -> bool:
    """Put to sleep and not yet woken (a snooze that ran out but has not been noticed
    yet counts): falling asleep again keeps its `sleep_crossings`, so an alert it owes
    from before is not lost."""
    return watch.left_at is not None or watch.paused_by_user or watch.snoozed_until is not None


def owes_wake_alert(watch: Watch, now: datetime) -> bool:
    """On waking: it fired while asleep and still sits at or under its trigger."""
    return (
        watch.state.crossings > watch.sleep_crossings
        and not watch.state.armed
        and watch.state.last_price is not None
        and not (watch.expires_at is not None and watch.expires_at <= now)
    )
