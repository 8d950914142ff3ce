"""Times as a person reads them: in their zone, in a few words ("today 14:09",
"tomorrow 09:00", "Dec 20, 11:59"). UTC only when the zone is unknown, and then said.

Every reply, card, `list`, `why`, `history` and chart axis writes its times here, so a
person reads one moment one way wherever the bot mentions it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from domain.zones import load_zone

UTC: Final = ZoneInfo("UTC")


def zone_info(zone: str | None) -> ZoneInfo:
    """The zone of a (checked) IANA name; UTC when it is None or cannot be loaded."""
    return (load_zone(zone) if zone else None) or UTC


def zone_label(zone: str | None) -> str:
    """The zone's name as shown beside times: "Asia/Tokyo", or "UTC" when unknown."""
    return zone if zone and load_zone(zone) is not None else "UTC"


def local_time(at: datetime, now: datetime, zone: str | None) -> str:
    """`at` in `zone` as a person reads it, near `now`: "today 14:09", "tomorrow 09:00",
    "yesterday 18:30", "Dec 20, 11:59", "Jan 3 2028, 08:00"; "... UTC" when `zone` is
    None (unknown)."""
    info = zone_info(zone)
    local, today = at.astimezone(info), now.astimezone(info).date()
    clock = f"{local:%H:%M}"
    days = (local.date() - today).days
    if days == 0:
        text = f"today {clock}"
    elif days == 1:
        text = f"tomorrow {clock}"
    elif days == -1:
        text = f"yesterday {clock}"
    else:
        text = f"{local_day(at, now, zone)}, {clock}"
    return text if _known(zone) else f"{text} UTC"


def local_day(at: datetime, now: datetime, zone: str | None) -> str:
    """The day of `at` in `zone`: "Dec 6", with the year when it is not `now`'s."""
    info = zone_info(zone)
    return _day(at.astimezone(info), now.astimezone(info).year)


def _day(local: datetime, year: int) -> str:
    day = f"{local:%b} {local.day}"
    return day if local.year == year else f"{day} {local.year}"


def _known(zone: str | None) -> bool:
    return bool(zone) and load_zone(zone or "") is not None


@dataclass(frozen=True)
class LocalDays:
    """How one conversation reads a day: its zone, and the year it is there now (a day of
    another year says its year). A day's text depends on nothing else, so this (unlike
    `LocalTimes`, whose moment changes every turn) can key what is shown alike to every
    reader in the zone."""

    zone: str | None
    year: int

    def day(self, moment: datetime) -> str:
        return _day(moment.astimezone(zone_info(self.zone)), self.year)


@dataclass(frozen=True)
class LocalTimes:
    """How one conversation reads times: its zone (None: unknown) and the moment now."""

    zone: str | None
    now: datetime

    def at(self, moment: datetime) -> str:
        return local_time(moment, self.now, self.zone)

    def day(self, moment: datetime) -> str:
        return local_day(moment, self.now, self.zone)

    @property
    def days(self) -> LocalDays:
        return LocalDays(self.zone, self.now.astimezone(zone_info(self.zone)).year)

    @property
    def label(self) -> str:
        return zone_label(self.zone)
