"""What the bot says about quiet hours and time zones."""

from __future__ import annotations

from typing import Final

from domain.quiet_hours import QuietHours

QUIET_DIGEST_HEADING: Final = "🌙 Your quiet hours are over. While they were on:"
NO_QUIET_HOURS: Final = (
    'You have no quiet hours. Say "quiet 22:00-07:00" and alerts that come in overnight'
    " wait and arrive together in the morning."
)
_UTC_HINT: Final = 'in UTC; say "timezone Europe/Berlin" to change'


def _zone_note(zone: str | None) -> str:
    return zone if zone is not None else _UTC_HINT


def quiet_set(hours: QuietHours, zone: str | None) -> str:
    return (
        f"Quiet hours are {hours} ({_zone_note(zone)}). Alerts that come in then wait for"
        f" {hours.end:%H:%M} and arrive together."
    )


def quiet_now(hours: QuietHours | None, zone: str | None) -> str:
    if hours is None:
        return NO_QUIET_HOURS
    return f'Quiet hours are {hours} ({_zone_note(zone)}). Say "quiet off" to end them.'


def quiet_off(waiting: int) -> str:
    if waiting == 0:
        return "Quiet hours are off. No alerts were waiting."
    alerts = (
        "The alert that was waiting is"
        if waiting == 1
        else f"The {waiting} alerts that were waiting are"
    )
    return f"Quiet hours are off. {alerts} on the way."


def zone_set(zone: str, hours: QuietHours | None) -> str:
    quiet = f" Your quiet hours, {hours}, are in that zone now." if hours is not None else ""
    return f"Your time zone is {zone}.{quiet}"


def zone_now(zone: str | None, chosen: bool) -> str:
    if zone is None:
        return (
            "I don't know your time zone, so I use UTC."
            ' Say "timezone Europe/Berlin" (or your own) to set it.'
        )
    source = "" if chosen else " (from your chat app)"
    other = "America/New_York" if zone == "Europe/Berlin" else "Europe/Berlin"
    return (
        f'Your time zone is {zone}{source}. To change it, say "timezone" and the zone\'s'
        f' name, like "timezone {other}".'
    )
