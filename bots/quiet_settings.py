"""A conversation's quiet hours and time zone, kept in its conversation state.

Two properties: QUIET_HOURS ("22:00-07:00") and TIME_ZONE ({"name": IANA name,
"chosen": whether the user set it with `timezone`; else it came from the channel's
`localTimezone`}). Without a zone, UTC.

In a group conversation (`conversation.isGroup`) they are each member's own: the same
two, under MEMBERS ({user id: {QUIET_HOURS: ..., TIME_ZONE: ...}}) in the conversation's
state, so a proactive turn reads every member's quiet hours with the state it loads.
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
from dialogs.keys import conversation_key, is_group, user_id
from domain.local_times import LocalTimes
from domain.quiet_hours import QuietHours, QuietHoursError, parse_quiet_hours, quiet_until
from domain.zones import canonical_zone, load_zone
from outbox.in_turn import AlertsInTurn

logger = logging.getLogger(__name__)

QUIET_HOURS: Final = "QuietHours"
TIME_ZONE: Final = "TimeZone"
MEMBERS: Final = "MemberSettings"
UTC: Final = ZoneInfo("UTC")


class _Setting:
    """One setting of the sender's: the conversation's in a 1:1, their own in a group."""

    def __init__(self, conversation_state: ConversationState, name: str) -> None:
        self._name = name
        self._own = conversation_state.create_property(name)
        self._members = conversation_state.create_property(MEMBERS)

    async def get(self, context: TurnContext) -> Any:
        if not is_group(context.activity):
            return await self._own.get(context, lambda: None)
        members = await self._members.get(context, lambda: None) or {}
        return members.get(user_id(context.activity), {}).get(self._name)

    async def set(self, context: TurnContext, value: Any) -> None:
        if not is_group(context.activity):
            await self._own.set(context, value)
            return
        members = dict(await self._members.get(context, lambda: None) or {})
        member = user_id(context.activity)
        members[member] = {**members.get(member, {}), self._name: value}
        await self._members.set(context, members)

    async def delete(self, context: TurnContext) -> None:
        if not is_group(context.activity):
            await self._own.delete(context)
            return
        members = dict(await self._members.get(context, lambda: None) or {})
        member = user_id(context.activity)
        settings = {k: v for k, v in members.get(member, {}).items() if k != self._name}
        if settings:
            members[member] = settings
        else:
            members.pop(member, None)
        await self._members.set(context, members)


class QuietSettings:
    def __init__(self, conversation_state: ConversationState, alerts: AlertsInTurn) -> None:
        self._hours = _Setting(conversation_state, QUIET_HOURS)
        self._zone = _Setting(conversation_state, TIME_ZONE)
        self._shared_hours = conversation_state.create_property(QUIET_HOURS)
        self._shared_zone = conversation_state.create_property(TIME_ZONE)
        self._members = conversation_state.create_property(MEMBERS)
        self._alerts = alerts

    async def hours(self, context: TurnContext) -> QuietHours | None:
        """The sender's quiet hours (in a 1:1, the conversation's)."""
        return _hours(await self._hours.get(context))

    async def zone(self, context: TurnContext) -> tuple[str | None, bool]:
        """The sender's zone's name (None: unknown, UTC is used) and whether they chose it."""
        return _zone(await self._zone.get(context))

    async def local_times(self, context: TurnContext, now: datetime) -> LocalTimes:
        """How this conversation reads times (domain/local_times.py): its zone, now."""
        name, _ = await self.zone(context)
        return LocalTimes(name, now)

    async def local_times_of(self, context: TurnContext, now: datetime, member: str) -> LocalTimes:
        """How an alert's owner reads times: in a group, `member`'s own zone (the
        conversation's for one not known or who set none), as a proactive turn has no
        sender of its own; in a 1:1, the conversation's."""
        if not is_group(context.activity):
            return await self.local_times(context, now)
        own = (await self._members_of(context)).get(member, {}) if member else {}
        stored = own.get(TIME_ZONE) or await self._shared_zone.get(context, lambda: None)
        name, _ = _zone(stored)
        return LocalTimes(name, now)

    async def quiet_until(self, context: TurnContext, now: datetime) -> datetime | None:
        """The UTC end of the sender's quiet hours if `now` is inside them."""
        return _until(await self.hours(context), await self.zone(context), now)

    async def audience(
        self, context: TurnContext, now: datetime
    ) -> tuple[datetime | None, dict[str, datetime | None] | None]:
        """For a turn's alerts: the end of the conversation's quiet hours if now is inside
        them, and in a group each member's (by user id; the first then serves the watches
        whose owner is not known). A proactive turn's sender is no one in particular, so
        in a group nobody's own settings are the conversation's."""
        if not is_group(context.activity):
            return await self.quiet_until(context, now), None
        shared = _until(
            _hours(await self._shared_hours.get(context, lambda: None)),
            _zone(await self._shared_zone.get(context, lambda: None)),
            now,
        )
        members: Mapping[str, Mapping[str, Any]] = await self._members_of(context)
        return shared, {
            member: _until(_hours(own.get(QUIET_HOURS)), _zone(own.get(TIME_ZONE)), now)
            for member, own in members.items()
        }

    async def _members_of(self, context: TurnContext) -> Mapping[str, Mapping[str, Any]]:
        return await self._members.get(context, lambda: None) or {}

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

    async def forget(self, context: TurnContext) -> bool:
        """`forget me`: the sender's quiet hours and zone in this conversation go (in a
        group, their entry under MEMBERS); whether they had any."""
        had = (
            await self._hours.get(context) is not None or await self._zone.get(context) is not None
        )
        await self._hours.delete(context)
        await self._zone.delete(context)
        return had

    async def timezone(self, context: TurnContext, command: TimezoneCommand) -> str:
        if not command.zone:
            return quiet_texts.zone_now(*await self.zone(context))
        await self._zone.set(context, {"name": command.zone, "chosen": True})
        await self._alerts.quiet_hours_changed(conversation_key(context.activity))
        return quiet_texts.zone_set(command.zone, await self.hours(context))


def forget_member(document: dict[str, Any], member: str) -> bool:
    """`forget me` in another conversation's state document: the member's own settings
    there go (a group's MEMBERS entry); whether there were any."""
    members = document.get(MEMBERS)
    if not isinstance(members, dict) or member not in members:
        return False
    document[MEMBERS] = {key: own for key, own in members.items() if key != member}
    return True


def has_settings(document: Mapping[str, Any]) -> bool:
    """Whether a 1:1 conversation's state document holds quiet hours or a zone."""
    return document.get(QUIET_HOURS) is not None or document.get(TIME_ZONE) is not None


def _hours(stored: str | None) -> QuietHours | None:
    return None if stored is None else parse_quiet_hours(stored)


def _zone(stored: Mapping[str, Any] | None) -> tuple[str | None, bool]:
    return (None, False) if stored is None else (stored["name"], stored["chosen"])


def _until(
    hours: QuietHours | None, zone: tuple[str | None, bool], now: datetime
) -> datetime | None:
    name, _ = zone
    loaded = load_zone(name) if name is not None else UTC
    return quiet_until(hours, loaded or UTC, now)


def quiet_state_is_usable(document: Mapping[str, Any]) -> bool:
    """Whether the stored quiet hours and zones have the shapes QuietSettings writes."""
    members = document.get(MEMBERS) or {}
    return (
        _settings_are_usable(document)
        and isinstance(members, dict)
        and all(
            isinstance(member, str)
            and isinstance(own, dict)
            and set(own) <= {QUIET_HOURS, TIME_ZONE}
            and _settings_are_usable(own)
            for member, own in members.items()
        )
    )


def _settings_are_usable(document: Mapping[str, Any]) -> bool:
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
