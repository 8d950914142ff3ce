"""`why X`: gathers what was recorded about a watch (prices seen, its events, its alerts
and their attempts) and how delivery stands now, for dialogs/watch_story.py to tell."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final

from botbuilder.core import TurnContext

from bots.quiet_settings import QuietSettings
from dialogs.commands.watch_ref import WatchRef, pick
from dialogs.commands.why import WhyCommand
from dialogs.keys import conversation_key, owner_scope
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
    chosen = pick(watches, WatchRef(index=command.index, query=command.query), "why")
    assert chosen is not None, "why takes no 'all'"
    return chosen
