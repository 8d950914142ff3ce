"""How long a snooze lasts, as people type it: "30m", "2h", "1d", "1w", "2 hours"."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

MIN_SNOOZE: Final = timedelta(minutes=1)
MAX_SNOOZE: Final = timedelta(days=90)

_UNITS: Final = {
    **dict.fromkeys(["m", "min", "mins", "minute", "minutes"], timedelta(minutes=1)),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours"], timedelta(hours=1)),
    **dict.fromkeys(["d", "day", "days"], timedelta(days=1)),
    **dict.fromkeys(["w", "wk", "wks", "week", "weeks"], timedelta(weeks=1)),
}
_DURATION: Final = re.compile(r"(\d{1,6})\s*([a-z]+)")


class DurationError(ValueError):
    """Not a duration, or out of bounds; the text says which."""


def parse_duration(text: str) -> timedelta:
    """A whole number and a unit; raises DurationError with a sentence for the user."""
    match = _DURATION.fullmatch(text.strip().casefold())
    if match is None or match.group(2) not in _UNITS or not match.group(1).isascii():
        raise DurationError(
            f'"{text[:20]}" is not a time I can read: try "30m", "2h", "1d" or "1w".'
        )
    duration = int(match.group(1)) * _UNITS[match.group(2)]
    if not MIN_SNOOZE <= duration <= MAX_SNOOZE:
        raise DurationError("A snooze lasts from 1 minute to 90 days.")
    return duration
