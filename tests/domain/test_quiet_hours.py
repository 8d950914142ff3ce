"""Quiet hours: the window in the user's zone, across midnight and DST changes."""

from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.quiet_hours import QuietHours, QuietHoursError, parse_quiet_hours, quiet_until

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("22:00-07:00", time(22), time(7)),
        ("22-7", time(22), time(7)),
        ("10pm-7am", time(22), time(7)),
        ("22:30 - 6:45", time(22, 30), time(6, 45)),
        ("12am-6AM", time(0), time(6)),
        ("13:00-24:00", time(13), time(0)),
    ],
)
def test_windows_are_read_as_people_write_them(text: str, start: time, end: time) -> None:
    assert parse_quiet_hours(text) == QuietHours(start, end)


@pytest.mark.parametrize(
    "text", ["", "22", "22:00-", "25-7", "22:61-7", "13pm-7am", "7-7", "a-b", "1-2-3", "9" * 50]
)
def test_anything_else_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(QuietHoursError, match="quiet 22:00-07:00|differ"):
        parse_quiet_hours(text)


NIGHT = QuietHours(time(22), time(7))


@pytest.mark.parametrize(
    "zone, now, until",
    [
        # Europe/Berlin is UTC+1 in December: 22:00-07:00 there is 21:00-06:00 UTC.
        (BERLIN, utc(2026, 12, 2, 20, 59), None),
        (BERLIN, utc(2026, 12, 2, 21, 0), utc(2026, 12, 3, 6, 0)),
        (BERLIN, utc(2026, 12, 3, 2, 0), utc(2026, 12, 3, 6, 0)),
        (BERLIN, utc(2026, 12, 3, 6, 0), None),
        (UTC, utc(2026, 12, 3, 6, 59), utc(2026, 12, 3, 7, 0)),
        (NEW_YORK, utc(2026, 12, 3, 3, 0), utc(2026, 12, 3, 12, 0)),
        # Spring forward (Berlin 2026-03-29 02:00 -> 03:00): the night is an hour shorter.
        (BERLIN, utc(2026, 3, 28, 21, 0), utc(2026, 3, 29, 5, 0)),
        # Fall back (Berlin 2026-10-25 03:00 -> 02:00): an hour longer.
        (BERLIN, utc(2026, 10, 24, 20, 0), utc(2026, 10, 25, 6, 0)),
        (NEW_YORK, utc(2026, 3, 8, 10, 59), utc(2026, 3, 8, 11, 0)),
        (NEW_YORK, utc(2026, 11, 1, 11, 59), utc(2026, 11, 1, 12, 0)),
    ],
)
def test_the_window_ends_at_the_local_end_time(
    zone: ZoneInfo, now: datetime, until: datetime | None
) -> None:
    assert quiet_until(NIGHT, zone, now) == until


def test_a_window_inside_one_day() -> None:
    lunch = QuietHours(time(12), time(13))
    assert quiet_until(lunch, UTC, utc(2026, 12, 2, 12, 30)) == utc(2026, 12, 2, 13)
    assert quiet_until(lunch, UTC, utc(2026, 12, 2, 13, 30)) is None


def test_an_end_the_clocks_skip_ends_at_the_first_valid_instant() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29: the clocks jump from 02:00 to 03:00.
    window = QuietHours(time(22), time(2, 30))
    assert quiet_until(window, BERLIN, utc(2026, 3, 28, 23)) == utc(2026, 3, 29, 1, 0)
    ny = QuietHours(time(1), time(2, 30))  # New York skips 02:00-03:00 on 2026-03-08
    assert quiet_until(ny, NEW_YORK, utc(2026, 3, 8, 6, 30)) == utc(2026, 3, 8, 7, 0)


def test_an_end_the_clocks_repeat_ends_at_its_first_occurrence() -> None:
    # 02:30 happens twice in Berlin on 2026-10-25; the first is 00:30 UTC.
    window = QuietHours(time(22), time(2, 30))
    assert quiet_until(window, BERLIN, utc(2026, 10, 24, 23)) == utc(2026, 10, 25, 0, 30)


def test_no_quiet_hours_never_hold() -> None:
    assert quiet_until(None, BERLIN, utc(2026, 12, 2, 23)) is None


def test_start_equal_to_end_is_refused() -> None:
    with pytest.raises(QuietHoursError):
        QuietHours(time(7), time(7))
