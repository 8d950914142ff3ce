"""`why X`: gathers what was recorded about a watch (prices seen, its events, its alerts
and their attempts) and how delivery stands now, for dialogs/watch_story.py to tell."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final

from botbuilder.core import TurnContext

from bots.quiet_settings import QuietSettings
from dialogs import texts
from dialogs.commands.why import WhyCommand
from dialogs.keys import conversation_key, owner_scope
from dialogs.remove_dialog import watches_named
from dialogs.watch_story import (
    AlertStory,
    DeliveryFacts,
    Recorded,
    story_start,
    watch_story,
)
from domain.clock import Clock
from domain.watch_events import EVENTS_KEPT_PER_WATCH
from domain.watches import Watch
from state.interfaces import OutboxStore, PriceHistoryStore, ReferenceStore, WatchEventStore
from watchers.watchlist import Watchlist

logger = logging.getLogger(__name__)

RECENT_ALERTS: Final = 5


class WhyTeller:
    def __init__(
        self,
        watchlist: Watchlist,
        references: ReferenceStore,
        outbox: OutboxStore,
        history: PriceHistoryStore,
        events: WatchEventStore,
        quiet: QuietSettings,
        clock: Clock,
    ) -> None:
        self._watchlist = watchlist
        self._references = references
        self._outbox = outbox
        self._history = history
        self._events = events
        self._quiet = quiet
        self._clock = clock

    async def tell(self, context: TurnContext, command: WhyCommand, dialog_open: bool) -> str:
        key = conversation_key(context.activity)
        watches = await self._watchlist.of(key, owner_scope(context.activity))
        if not watches:
            return 'You\'re not watching anything yet. Try "watch headphones 20%".'
        chosen = _choose(watches, command)
        if isinstance(chosen, str):
            return chosen
        now = self._clock()
        times = await self._quiet.local_times(context, now)
        facts = DeliveryFacts(
            reachable=await self._references.is_reachable(key),
            dialog_open=dialog_open,
            quiet_until=await self._quiet.quiet_until(context, now),
            now=now,
        )
        return watch_story(chosen, await self._recorded(chosen, now), facts, times)

    async def _recorded(self, watch: Watch, now: datetime) -> Recorded:
        """Prices seen since the story starts, every event kept (the earlier ones tell
        the trigger of later prices), the recent alerts and their attempts."""
        prices = await self._history.since(watch.product_id, story_start(watch, now))
        events = await self._events.of_watch(watch.id, EVENTS_KEPT_PER_WATCH)
        alerts = [
            AlertStory(alert, await self._outbox.attempts(alert.id))
            for alert in await self._outbox.of_watch(watch.id, RECENT_ALERTS)
        ]
        return Recorded(prices, events, alerts)


def _choose(watches: list[Watch], command: WhyCommand) -> Watch | str:
    """The watch the command names, or what to say instead."""
    if command.index is not None:
        if command.index < 1:
            return 'Watch numbers start at 1: say "list" to see them.'
        if command.index > len(watches):
            return f'You have {len(watches)} watches. Say "list" to see their numbers.'
        return watches[command.index - 1]
    if not command.query:
        return 'Say which watch, like "why 1" or "why headphones".'
    named = watches_named(watches, command.query)
    if len(named) == 1:
        return named[0]
    if not named:
        return f'You\'re not watching anything called "{command.query[:40]}". Say "list".'
    labels = [texts.watch_label(watches.index(w) + 1, w) for w in named]
    return "Which one? " + "; ".join(labels) + '. Say "why <number>".'
