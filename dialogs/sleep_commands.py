"""pause, resume, snooze and bought: what they do, and what the bot says about it."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext

from dialogs import texts
from dialogs.commands.bought import BoughtCommand
from dialogs.commands.pause import PauseCommand
from dialogs.commands.resume import ResumeCommand
from dialogs.commands.snooze import SnoozeCommand
from dialogs.commands.watch_ref import WatchRef
from dialogs.keys import conversation_key, user_id
from dialogs.remove_dialog import watches_named
from domain.clock import Clock
from domain.watches import Watch
from feed.catalog import Catalog
from feed.client import FeedError
from watchers.watchlist import WatchLimitReached, Watchlist

logger = logging.getLogger(__name__)

SleepCommand = PauseCommand | ResumeCommand | SnoozeCommand


class SleepCommands:
    def __init__(self, catalog: Catalog, watchlist: Watchlist, clock: Clock) -> None:
        self._catalog = catalog
        self._watchlist = watchlist
        self._clock = clock

    async def sleep_or_wake(self, context: TurnContext, command: SleepCommand) -> str:
        """The reply to pause, resume or snooze."""
        key = conversation_key(context.activity)
        target = await self._pick(key, command.which)
        if isinstance(target, str):
            return target
        watch_id = None if target is None else target.id
        if isinstance(command, PauseCommand):
            done = await self._watchlist.pause(key, watch_id)
            return _said(done, "paused", 'until you say "resume {name}"')
        if isinstance(command, ResumeCommand):
            done = await self._watchlist.resume(key, watch_id)
            return _said(done, "resumed", "and I'll alert you as usual")
        until = self._clock() + command.duration
        done = await self._watchlist.snooze(key, watch_id, until)
        return _said(done, "snoozed", f"until {texts.moment(until)}")

    async def _pick(self, key: str, which: WatchRef) -> Watch | None | str:
        """The watch meant (None: all of them), or the reply when there is no one."""
        watches = await self._watchlist.of(key)
        if not watches:
            return 'You\'re not watching anything yet. Try "watch headphones 20%".'
        if which.all:
            return None
        if which.index is not None:
            if which.index <= len(watches):
                return watches[which.index - 1]
            return (
                f"You have {_count(len(watches))}: say a number from 1 to {len(watches)}"
                ' (say "list" to see them).'
            )
        matches = watches_named(watches, which.query)
        if len(matches) == 1:
            return matches[0]
        numbered = {watch.id: n for n, watch in enumerate(watches, 1)}
        if not matches:
            shown = which.query[:60] + ("…" if len(which.query) > 60 else "")
            return f'None of your watches matches "{shown}". Say "list" to see them.'
        listed = "\n".join(f"- {texts.watch_label(numbered[w.id], w)}" for w in matches)
        return f"Several of your watches match; say which by its number:\n\n{listed}"

    async def bought(self, context: TurnContext, command: BoughtCommand) -> str:
        """Price protection for what the user bought: the reply to "bought X at 179"."""
        try:
            matches = await self._catalog.find(command.query)
        except FeedError:
            return texts.FEED_DOWN
        if not matches:
            shown = command.query[:60] + ("…" if len(command.query) > 60 else "")
            return f'I don\'t know a product called "{shown}". Say "watch" to see the ones I know.'
        if len(matches) > 1:
            names = ", ".join(product.name for product in matches[:10])
            return (
                f"Which one did you buy: {names}? Say it with more of its name, like"
                f' "bought {matches[0].name} at {command.paid}".'
            )
        product = matches[0]
        try:
            current = await self._watchlist.current_price(product.id)
        except FeedError:
            current = None
        try:
            watch = await self._watchlist.protect(
                conversation_key(context.activity),
                user_id(context.activity),
                product,
                command.paid,
                command.days,
                current,
            )
        except WatchLimitReached as limit:
            return texts.watch_limit_reached(limit.limit)
        assert watch.expires_at is not None
        paid = texts.money(watch.rule.start_price, product.currency)
        reply = (
            f"OK: until {texts.moment(watch.expires_at)} I'll tell you if {product.name} gets"
            f" cheaper than the {paid} you paid (price protection)."
        )
        if current is not None and current <= watch.rule.trigger_price:
            back = texts.money(watch.rule.start_price - current, product.currency)
            reply += (
                f" It is {texts.money(current, product.currency)} already: you may be able to"
                f" claim {back} back."
            )
        return reply


def _said(watches: list[Watch], done: str, how: str) -> str:
    if len(watches) == 1:
        name = watches[0].product_name
        return f"OK, I've {done} {name} " + how.format(name=name) + "."
    return f"OK, I've {done} all {len(watches)} of your watches " + how.format(name="all") + "."


def _count(count: int) -> str:
    return f"{count} watch" + ("es" if count > 1 else "")
