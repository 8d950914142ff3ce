"""Quiet hours: a daily window, in the user's own time zone, when alerts wait.

Pure rules: whether a moment is inside the window and when the window ends, as a UTC
instant, whatever the day's daylight-saving change does to the wall clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Final
from zoneinfo import ZoneInfo

_TIME: Final = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
EXAMPLE: Final = 'Say it like "quiet 22:00-07:00" (or "quiet 22-7", "quiet 10pm-7am").'


class QuietHoursError(ValueError):
    """Text that is not a quiet-hours window; the message says how to write one."""


@dataclass(frozen=True)
class QuietHours:
    """From `start` to `end` every day, wall-clock times; may cross midnight."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise QuietHoursError("Quiet hours need a start and an end that differ. " + EXAMPLE)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_quiet_hours(text: str) -> QuietHours:
    """ "22:00-07:00", "22-7", "10pm-7am", "22:00 - 07:00"."""
    parts = text.strip().split("-")
    if len(text) > 40 or len(parts) != 2:
        raise QuietHoursError(EXAMPLE)
    return QuietHours(_parse_time(parts[0]), _parse_time(parts[1]))


def _parse_time(raw: str) -> time:
    match = _TIME.match(raw.strip())
    if match is None:
        raise QuietHoursError(f'"{raw.strip()[:20]}" is not a time I can read. {EXAMPLE}')
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = (match.group(3) or "").casefold()
    if meridiem:
        if not 1 <= hour <= 12:
            raise QuietHoursError(f"{hour}{meridiem} is not a time. {EXAMPLE}")
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour == 24 and minute == 0 and not meridiem:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise QuietHoursError(f'"{raw.strip()}" is not a time of day. {EXAMPLE}')
    return time(hour, minute)


def quiet_until(quiet: QuietHours | None, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The UTC end of the window if `now` is inside it, else None."""
    if quiet is None:
        return None
    today = now.astimezone(zone).date()
    # The window that may hold `now` started today or yesterday (it crosses midnight).
    for start_day in (today - timedelta(days=1), today):
        start = _instant(start_day, quiet.start, zone)
        end_day = start_day + timedelta(days=1) if quiet.end <= quiet.start else start_day
        end = _instant(end_day, quiet.end, zone)
        if start <= now < end:
            return end
    return None


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant a wall-clock time happens on `day`: the first of two when the
    clocks go back (fold 0); for a time the clocks skip, the first valid instant after
    it (where the clocks land when they spring forward)."""
    local = datetime.combine(day, wall)
    for minutes in range(0, 24 * 60):
        candidate = local + timedelta(minutes=minutes)
        moment = candidate.replace(tzinfo=zone).astimezone(timezone.utc)
        if moment.astimezone(zone).replace(tzinfo=None) == candidate:
            return moment
    raise AssertionError(f"no valid time near {local} in {zone}")  # no zone skips a day
