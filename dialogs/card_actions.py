"""The alert card's buttons (Stop watching, Snooze 1 day, Lower my target): the
Action.Submit data that comes back in a message's `value`, checked, then done.

The payload is `{"pricewatch": "stop" | "snooze" | "lower", "watch_id": <int>,
"target": "<decimal string, only for lower>"}`. Anything else a client sends there
gets a friendly sentence; a stale or repeated click too.

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
from domain.clock import Clock
from domain.local_times import LocalTimes
from domain.owners import belongs_to
from domain.price_drops import lowest_target
from domain.rules import CENT, to_cents
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
    if action != "lower":
        return CardAction(action, watch_id)
    target = _target(value.get("target"))
    return None if target is None else CardAction(action, watch_id, target)


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

    async def handle(self, context: TurnContext, value: Any, times: LocalTimes) -> str:
        """Do what the button asks; the reply says what was done (or why not), its
        times as `times` reads them."""
        action = parse_card_action(value)
        if action is None:
            logger.warning("a card action that is not ours: %.200r", value)
            return BAD_ACTION
        key, owner = conversation_key(context.activity), owner_scope(context.activity)
        watch = await self._watchlist.get(key, action.watch_id)
        if watch is None:
            return _gone(action.action)
        if not belongs_to(watch, owner):
            logger.info("watch %s: a button of another member's alert, refused", watch.id)
            return texts.not_your_alert(watch.owner_name)
        name = watch.product_name
        if action.action == "stop":
            if not await self._watchlist.remove(key, watch, owner):
                return _gone("stop")
            return texts.stopped_watching(name)
        if action.action == "snooze":
            until = times.now + SNOOZE_FOR
            snoozed = watch.snoozed_until
            if snoozed is not None and snoozed >= until - ALREADY_SNOOZED_SLACK:
                return f"{texts.md(name)} is already snoozed until {times.at(snoozed)}."
            changes = await self._watchlist.snooze(key, watch.id, until, owner)
            told = [change.sleep(times.now) for change in changes]
            return texts.sleep_reply("snooze", told, times)
        assert action.target is not None
        if watch.rule.trigger_price <= action.target:
            trigger = texts.money(watch.rule.trigger_price, watch.currency)
            return f"Your target for {texts.md(name)} is already {trigger}."
        last = watch.state.last_price
        floor = None if last is None else lowest_target(last)
        if floor is not None and action.target < floor:
            # The card never offers this (domain.price_drops.lowered_target): a button
            # edited by hand, or a price that has since more than doubled.
            return texts.target_too_low(name, floor, watch.currency)
        lowered = await self._watchlist.set_target(key, watch.id, action.target, owner)
        if lowered is None:
            return _gone("lower")
        trigger = texts.money(lowered.rule.trigger_price, lowered.currency)
        reply = f"OK, I'll tell you when {texts.md(name)} is {trigger} or less."
        if not lowered.state.armed:
            reply += (
                " It is at or below that now, so I'll tell you the next time it drops there"
                " after going back up."
            )
        return reply


def _gone(action: str) -> str:
    return (
        f"You're no longer watching that, so there's nothing to {action}."
        ' Say "list" to see your watches.'
    )
