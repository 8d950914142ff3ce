"""Times as a person reads them: their zone, a few words, UTC only when unknown and said."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from domain.local_times import LocalTimes, local_day, local_time, zone_label

NOW = datetime(2026, 12, 6, 14, 9, tzinfo=timezone.utc)  # 23:09 in Tokyo


def utc(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "at, zone, expected",
    [
        (NOW, "Asia/Tokyo", "today 23:09"),
        (NOW, None, "today 14:09 UTC"),
        (NOW, "UTC", "today 14:09"),
        (utc(12, 7, 0), "Asia/Tokyo", "tomorrow 09:00"),
        (utc(12, 6, 15), "Asia/Tokyo", "tomorrow 00:00"),  # the day is Tokyo's, not UTC's
        (utc(12, 5, 20), "Europe/Berlin", "yesterday 21:00"),
        (utc(12, 20, 2, 59), "Asia/Tokyo", "Dec 20, 11:59"),
        (utc(1, 3, 8, year=2028), None, "Jan 3 2028, 08:00 UTC"),
        (utc(12, 31, 23), "Asia/Tokyo", "Jan 1 2027, 08:00"),
    ],
)
def test_a_moment_in_a_few_words_in_the_readers_zone(
    at: datetime, zone: str | None, expected: str
) -> None:
    assert local_time(at, NOW, zone) == expected
    assert LocalTimes(zone, NOW).at(at) == expected


def test_a_day_and_the_zones_label() -> None:
    assert local_day(utc(10, 3, 16), NOW, "Asia/Tokyo") == "Oct 4"
    assert local_day(utc(10, 3, 16), NOW, None) == "Oct 3"
    assert local_day(utc(10, 3, 16, year=2025), NOW, None) == "Oct 3 2025"
    assert zone_label("Asia/Tokyo") == LocalTimes("Asia/Tokyo", NOW).label == "Asia/Tokyo"
    assert zone_label(None) == zone_label("Not/AZone") == "UTC"
