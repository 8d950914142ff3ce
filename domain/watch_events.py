"""What happened to a watch, recorded when it happened: the story `why` tells back.

Each decision about a watch is written as an event in the same transaction as the
change it describes (a user's pause, the poll's crossing, an alert held or sent), with
the trigger that held at that moment, so the story never re-derives the past from
today's state. Prices seen come from the product's price history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Final

EVENTS_KEPT_PER_WATCH: Final = 50
"""The most recent events kept per watch; older ones are pruned with the retention job."""


class EventKind(str, Enum):
    CREATED = "created"
    TARGET_CHANGED = "target_changed"
    """The user set a new trigger (`trigger_price`); `detail` holds the old one."""
    PAUSED = "paused"
    SNOOZED = "snoozed"
    """`detail`: the snooze's end, ISO 8601 (`moment_text`)."""
    RESUMED = "resumed"
    WOKE = "woke"
    """A snooze ran out."""
    LEFT = "left"
    """Its owner or the bot left the conversation: the watch stopped (`detail`: the
    `domain.departures.Departure`)."""
    ARMED = "armed"
    """The price went back above the trigger: the next crossing alerts again."""
    FIRED = "fired"
    """The price reached the trigger and an alert was made (`alert_id`). Recorded by
    databases before SQLite v15 / PostgreSQL v11; since, the alert itself is the record
    (`Alert.trigger_price`), one row fewer for each of a drop's thousand alerts."""
    FIRED_ASLEEP = "fired_asleep"
    """The price reached the trigger while the watch slept: no alert then."""
    UNAVAILABLE = "unavailable"
    AVAILABLE = "available"
    SHOP_SILENT = "shop_silent"
    """The shop page has given no reading for a day; `detail`: the last failure."""
    HELD = "held"
    """An alert waits: `detail` says for what (`HELD_FOR_A_DIALOG`, `held_for_quiet_hours`)."""
    SENT = "sent"
    FAILED = "failed"
    """A send failed; `detail` is the reason, retried or given up."""
    DROPPED = "dropped"
    """An alert was not sent because it no longer stood (`detail`: why)."""


@dataclass(frozen=True)
class WatchEvent:
    watch_id: int
    at: datetime
    kind: EventKind
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    """The trigger that held when it happened."""
    alert_id: int | None = None
    detail: str | None = None


HELD_FOR_A_DIALOG: Final = "a dialog with me was open"
"""A HELD event's detail when the alert waits for the user's open dialog."""
_QUIET_HOURS_UNTIL: Final = "quiet hours until "


def moment_text(moment: datetime) -> str:
    """A moment in an event's detail: ISO 8601 in UTC (`why` tells it in the user's zone)."""
    return moment.astimezone(timezone.utc).isoformat()


def moment_of(text: str) -> datetime | None:
    """The moment `moment_text` wrote, None if the text is not one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def held_for_quiet_hours(until: datetime) -> str:
    """A HELD event's detail when the alert waits for the end of the user's quiet hours."""
    return _QUIET_HOURS_UNTIL + moment_text(until)


def quiet_hours_end(detail: str | None) -> datetime | None:
    """The end of the quiet hours a HELD event's detail names; None for any other hold."""
    if detail is None or not detail.startswith(_QUIET_HOURS_UNTIL):
        return None
    return moment_of(detail.removeprefix(_QUIET_HOURS_UNTIL))
