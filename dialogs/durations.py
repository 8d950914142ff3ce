"""Amounts of time as people type them, one grammar for every command that takes one
(`snooze`, `bought ... within`, `history`): "30m", "2h", "14d", "1w", "2 hours",
"2 weeks", "a week". Each command says which spans it accepts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

MIN_SNOOZE: Final = timedelta(minutes=1)
MAX_SNOOZE: Final = timedelta(days=90)
DAY: Final = timedelta(days=1)
EXAMPLES: Final = '"30m", "2h", "14d", "1w" or "2 weeks"'

_UNITS: Final = {
    **dict.fromkeys(["m", "min", "mins", "minute", "minutes"], timedelta(minutes=1)),
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours"], timedelta(hours=1)),
    **dict.fromkeys(["d", "day", "days"], DAY),
    **dict.fromkeys(["w", "wk", "wks", "week", "weeks"], timedelta(weeks=1)),
}
_DURATION: Final = re.compile(r"(\d{1,6}|an?)\s*([a-z]+)")


class DurationError(ValueError):
    """Not a duration, or out of bounds; the text says which."""


def parse_duration(text: str) -> timedelta:
    """A whole number (or "a") and a unit; raises DurationError with a sentence for the
    user."""
    match = _DURATION.fullmatch(text.strip().casefold())
    if match is None or match.group(2) not in _UNITS or not match.group(1).isascii():
        raise DurationError(f'"{text[:20]}" is not a time I can read: try {EXAMPLES}.')
    count = 1 if match.group(1) in ("a", "an") else int(match.group(1))
    return count * _UNITS[match.group(2)]


def parse_snooze(text: str) -> timedelta:
    duration = parse_duration(text)
    if not MIN_SNOOZE <= duration <= MAX_SNOOZE:
        raise DurationError("A snooze lasts from 1 minute to 90 days.")
    return duration


def parse_days(text: str, low: int, high: int, what: str) -> int:
    """A span in whole days from `low` to `high` ("2 weeks" is 14); `what` names it in
    the sentence that refuses another ("Price protection lasts")."""
    duration = parse_duration(text)
    if duration % DAY or not low <= duration.days <= high:
        raise DurationError(f"{what} from {low} to {high} days, in whole days or weeks.")
    return duration.days


def split_duration(text: str) -> tuple[str, str | None]:
    """The words before a duration that ends `text`, and the duration's words ("coffee
    beans 2 weeks" -> "coffee beans", "2 weeks"); (text, None) when none ends it."""
    tokens = text.split()
    for size in (2, 1):
        if len(tokens) >= size:
            tail = " ".join(tokens[-size:])
            try:
                parse_duration(tail)
            except DurationError:
                continue
            return " ".join(tokens[:-size]), tail
    return text.strip(), None
