"""A conversation's quiet hours and time zone, kept in its conversation state.

Two properties: QUIET_HOURS ("22:00-07:00") and TIME_ZONE ({"name": IANA name,
"chosen": whether the user set it with `timezone`; else it came from the channel's
`localTimezone`}). Without a zone, UTC.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Final, Mapping
from zoneinfo import ZoneInfo

from botbuilder.core import ConversationState, TurnContext

from dialogs import quiet_texts
from dialogs.commands.quiet import QuietCommand
from dialogs.commands.timezone import TimezoneCommand
from dialogs.keys import conversation_key
from domain.local_times import LocalTimes
from domain.quiet_hours import QuietHours, QuietHoursError, parse_quiet_hours, quiet_until
from domain.zones import canonical_zone, load_zone
from outbox.in_turn import AlertsInTurn

logger = logging.getLogger(__name__)

QUIET_HOURS: Final = "QuietHours"
TIME_ZONE: Final = "TimeZone"
UTC: Final = ZoneInfo("UTC")


class QuietSettings:
    def __init__(self, conversation_state: ConversationState, alerts: AlertsInTurn) -> None:
        self._hours = conversation_state.create_property(QUIET_HOURS)
        self._zone = conversation_state.create_property(TIME_ZONE)
        self._alerts = alerts

    async def hours(self, context: TurnContext) -> QuietHours | None:
        stored = await self._hours.get(context, lambda: None)
        return None if stored is None else parse_quiet_hours(stored)

    async def zone(self, context: TurnContext) -> tuple[str | None, bool]:
        """The zone's name (None: unknown, UTC is used) and whether the user chose it."""
        stored = await self._zone.get(context, lambda: None)
        return (None, False) if stored is None else (stored["name"], stored["chosen"])

    async def local_times(self, context: TurnContext, now: datetime) -> LocalTimes:
        """How this conversation reads times (domain/local_times.py): its zone, now."""
        name, _ = await self.zone(context)
        return LocalTimes(name, now)

    async def quiet_until(self, context: TurnContext, now: datetime) -> datetime | None:
        """The UTC end of the quiet hours if `now` is inside them."""
        name, _ = await self.zone(context)
        zone = load_zone(name) if name is not None else UTC
        return quiet_until(await self.hours(context), zone or UTC, now)

    async def remember_channel_zone(self, context: TurnContext) -> None:
        """The activity's `localTimezone`, when valid and the user chose none."""
        name = canonical_zone(getattr(context.activity, "local_timezone", None))
        if name is None:
            return
        current, chosen = await self.zone(context)
        if not chosen and current != name:
            await self._zone.set(context, {"name": name, "chosen": False})
            await self._alerts.quiet_hours_changed(conversation_key(context.activity))

    async def quiet(self, context: TurnContext, command: QuietCommand) -> str:
        zone, _ = await self.zone(context)
        key = conversation_key(context.activity)
        if command.off:
            await self._hours.delete(context)
            return quiet_texts.quiet_off(await self._alerts.quiet_hours_changed(key))
        if command.hours is None:
            return quiet_texts.quiet_now(await self.hours(context), zone)
        await self._hours.set(context, str(command.hours))
        await self._alerts.quiet_hours_changed(key)  # what waited waits for the new end
        return quiet_texts.quiet_set(command.hours, zone)

    async def timezone(self, context: TurnContext, command: TimezoneCommand) -> str:
        if not command.zone:
            return quiet_texts.zone_now(*await self.zone(context))
        await self._zone.set(context, {"name": command.zone, "chosen": True})
        await self._alerts.quiet_hours_changed(conversation_key(context.activity))
        return quiet_texts.zone_set(command.zone, await self.hours(context))


def quiet_state_is_usable(document: Mapping[str, Any]) -> bool:
    """Whether the stored quiet hours and zone have the shapes QuietSettings writes."""
    hours = document.get(QUIET_HOURS)
    zone = document.get(TIME_ZONE)
    if hours is not None:
        try:
            if not isinstance(hours, str) or str(parse_quiet_hours(hours)) != hours:
                return False
        except QuietHoursError:
            return False
    return zone is None or (
        isinstance(zone, dict)
        and set(zone) == {"name", "chosen"}
        and isinstance(zone["chosen"], bool)
        and canonical_zone(zone["name"]) == zone["name"]
    )
