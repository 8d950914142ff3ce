"""The alert card's buttons (Stop watching, Snooze 1 day, Lower my target): the
Action.Submit data that comes back in a message's `value`, checked, then done.

The payload is `{"pricewatch": "stop" | "snooze" | "lower", "watch_id": <int>,
"version": <int>, "alert_id": <int>, "target": "<decimal string, only for lower>"}`.
`version` is the watch's `user_version` when the card was made, `alert_id` the alert the
card is about (cards sent before they carried them have neither). Anything else a client
sends there gets a friendly sentence; a stale or repeated click too.

A press is applied once: Snooze and Lower change the watch only while it is as the card
showed it, which the store decides on the row it locks (`Watchlist.press`), so a second
press of one card, on any instance of a fleet, changes nothing and is told so ("already
snoozed", "already", or "that card is out of date"). Stop watching needs no version: a
watch stopped once is gone.

In a group conversation a button changes only the clicking member's own watch: whose
it is comes from the store and the activity's sender, never from the payload; another
member's button is refused politely and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from botbuilder.core import TurnContext

from dialogs import texts
from dialogs.commands.drops import MAX_PRICE
from dialogs.keys import conversation_key, owner_scope
from domain import watch_changes
from domain.clock import Clock
from domain.local_times import LocalTimes
from domain.owners import belongs_to
from domain.price_drops import lowest_target
from domain.rules import CENT, to_cents
from domain.watches import Watch
from watchers.watchlist import Watchlist

logger = logging.getLogger(__name__)

ACTION_KEY: Final = "pricewatch"
ACTIONS: Final = frozenset({"stop", "snooze", "lower"})
SNOOZE_FOR: Final = timedelta(days=1)
ALREADY_SNOOZED_SLACK: Final = timedelta(hours=1)
"""A second click within this of the first snoozes no further: it is the same click."""
MAX_WATCH_ID: Final = 2**63 - 1
BAD_ACTION: Final = 'Sorry, I couldn\'t make sense of that button. Say "list" to see your watches.'


@dataclass(frozen=True)
class CardAction:
    action: str
    watch_id: int
    target: Decimal | None = None
    version: int | None = None
    """The watch's `user_version` the card was made at; None on older cards."""
    alert_id: int | None = None
    """The alert whose card it is; None on older cards."""


@dataclass(frozen=True)
class Pressed:
    """What a press did: the reply, and when it changed the watch, what the card says
    instead of its buttons (`done`) and whose card it was (`alert_id`)."""

    reply: str
    done: str | None = None
    alert_id: int | None = None
    watch: Watch | None = None
    """The watch as the press found it (its owner names a group's card, even once the
    watch is stopped)."""


def is_card_action(value: object) -> bool:
    """A message carrying card data rather than typed text."""
    return isinstance(value, dict) and ACTION_KEY in value


def parse_card_action(value: Any) -> CardAction | None:
    """The action, or None when the payload is not one we sent."""
    if not isinstance(value, dict):
        return None
    action, watch_id = value.get(ACTION_KEY), value.get("watch_id")
    if not isinstance(action, str) or action not in ACTIONS:
        return None
    if type(watch_id) is not int or not 1 <= watch_id <= MAX_WATCH_ID:
        return None
    version, alert_id = value.get("version"), value.get("alert_id")
    if not _optional_int(version, 0) or not _optional_int(alert_id, 1):
        return None
    if action != "lower":
        return CardAction(action, watch_id, None, version, alert_id)
    target = _target(value.get("target"))
    return None if target is None else CardAction(action, watch_id, target, version, alert_id)


def _optional_int(value: object, least: int) -> bool:
    return value is None or (type(value) is int and least <= value <= MAX_WATCH_ID)


def _target(raw: object) -> Decimal | None:
    if not isinstance(raw, str) or not 0 < len(raw) <= 40:
        return None
    try:
        target = Decimal(raw)
    except (InvalidOperation, ValueError):
        return None
    if not target.is_finite() or not CENT <= target <= MAX_PRICE:
        return None
    return to_cents(target)


class CardActions:
    def __init__(self, watchlist: Watchlist, clock: Clock) -> None:
        self._watchlist = watchlist
        self._clock = clock

    async def handle(self, context: TurnContext, value: Any, times: LocalTimes) -> Pressed:
        """Do what the button asks; the reply says what was done (or why not), its
        times as `times` reads them."""
        action = parse_card_action(value)
        if action is None:
            logger.warning("a card action that is not ours: %.200r", value)
            return Pressed(BAD_ACTION)
        key, owner = conversation_key(context.activity), owner_scope(context.activity)
        watch = await self._watchlist.get(key, action.watch_id)
        if watch is None:
            return Pressed(_gone(action.action))
        if not belongs_to(watch, owner):
            logger.info("watch %s: a button of another member's alert, refused", watch.id)
            return Pressed(texts.not_your_alert(watch.owner_name))
        if action.action == "stop":
            if not await self._watchlist.remove(key, watch, owner):
                return Pressed(_gone("stop"))
            return _done(
                action, watch, texts.stopped_watching(watch.product_name), texts.CARD_STOPPED
            )
        if action.action == "snooze":
            return await self._snooze(key, owner, watch, action, times)
        return await self._lower(key, owner, watch, action, times)

    async def _snooze(
        self, key: str, owner: str | None, watch: Watch, action: CardAction, times: LocalTimes
    ) -> Pressed:
        until = times.now + SNOOZE_FOR
        snoozed = watch.snoozed_until
        if (  # a card from before cards named versions: the same click twice
            action.version is None
            and snoozed is not None
            and snoozed >= until - ALREADY_SNOOZED_SLACK
        ):
            return Pressed(texts.already_snoozed(watch.product_name, snoozed, times))
        change = watch_changes.snooze(until, self._clock())
        pressed = await self._watchlist.press(key, watch.id, change, action.version, owner)
        if pressed is None:
            return Pressed(_gone("snooze"))
        if not pressed.writes:
            return Pressed(_not_again(pressed.before, action, times))
        told = texts.sleep_reply("snooze", [pressed.sleep(times.now)], times)
        return _done(action, watch, told, texts.card_snoozed(until, times))

    async def _lower(
        self, key: str, owner: str | None, watch: Watch, action: CardAction, times: LocalTimes
    ) -> Pressed:
        assert action.target is not None
        name = watch.product_name
        if watch.rule.trigger_price <= action.target:
            return Pressed(texts.target_already(name, watch.rule.trigger_price, watch.currency))
        last = watch.state.last_price
        floor = None if last is None else lowest_target(last)
        if floor is not None and action.target < floor:
            # The card never offers this (domain.price_drops.lowered_target): a button
            # edited by hand, or a price that has since more than doubled.
            return Pressed(texts.target_too_low(name, floor, watch.currency))
        change = watch_changes.retarget(action.target, self._clock())
        pressed = await self._watchlist.press(key, watch.id, change, action.version, owner)
        if pressed is None:
            return Pressed(_gone("lower"))
        if not pressed.writes:
            return Pressed(_not_again(pressed.before, action, times))
        lowered = pressed.after
        return _done(
            action, watch, texts.target_lowered(name, lowered), texts.card_lowered(lowered)
        )


def _done(action: CardAction, watch: Watch, reply: str, done: str) -> Pressed:
    return Pressed(reply, done, action.alert_id, watch)


def _not_again(watch: Watch, action: CardAction, times: LocalTimes) -> str:
    """The reply to a press of a card whose watch changed since it was made: what is
    already so, when the watch shows the button's effect; else that the card is out of
    date."""
    if action.action == "snooze":
        snoozed = watch.snoozed_until
        if snoozed is not None and snoozed > times.now:
            return texts.already_snoozed(watch.product_name, snoozed, times)
    if action.action == "lower" and action.target is not None:
        trigger = watch.rule.trigger_price
        if trigger <= action.target:
            return texts.target_already(watch.product_name, trigger, watch.currency)
    return texts.CARD_OUT_OF_DATE


def _gone(action: str) -> str:
    return (
        f"You're no longer watching that, so there's nothing to {action}."
        ' Say "list" to see your watches.'
    )
