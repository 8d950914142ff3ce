"""When the bot or a member leaves a conversation: their watches there stop, their waiting
alerts are given up, and nothing more is sent there (`domain.departures`).

Called by the bot's turn handler for Teams' `installationUpdate` (remove) and
`conversationUpdate` (members removed), and by the outbox when the channel refuses a send
because the bot is not in the conversation any more (403 BotNotInConversationRoster).
A stopped watch is kept for ALERT_RETENTION_DAYS so a reinstall can resume it; the
retention job deletes it then (`WatchStore.remove_left`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from domain.clock import Clock
from domain.departures import DEPARTURE_WHY, Departure
from domain.watches import Watch
from outbox.outcomes import Outcomes
from state.interfaces import OutboxStore, ReferenceStore
from watchers.watchlist import Watchlist

logger = logging.getLogger(__name__)


class Departures:
    def __init__(
        self,
        watchlist: Watchlist,
        outbox: OutboxStore,
        outcomes: Outcomes,
        references: ReferenceStore,
        clock: Clock,
        keep_days: int,
    ) -> None:
        self._watchlist = watchlist
        self._outbox = outbox
        self._outcomes = outcomes
        self._references = references
        self._clock = clock
        self._keep = timedelta(days=keep_days)

    async def bot_left(self, conversation_key: str, departure: Departure) -> list[Watch]:
        """The bot is gone from the conversation: every watch there stops, its waiting
        alerts are given up, and the conversation is unreachable until someone writes
        there again (a reinstall). Returns the stopped watches."""
        stopped = await self._stop(conversation_key, departure, None)
        await self._references.mark_unreachable(conversation_key, self._clock())
        logger.warning(
            "the bot left %s (%s): nothing more goes there", conversation_key, departure.value
        )
        return stopped

    async def roster_refused(self, conversation_key: str) -> None:
        """The channel refused a send: the bot is not in the conversation any more."""
        await self.bot_left(conversation_key, Departure.NOT_IN_ROSTER)

    async def member_left(self, conversation_key: str, member: str) -> list[Watch]:
        """A member left: the watches they made there stop, and their waiting alerts are
        given up; the others' go on. Returns the member's stopped watches."""
        return await self._stop(conversation_key, Departure.MEMBER_LEFT, member)

    async def stopped(self, conversation_key: str, *, bot_left: bool) -> list[Watch]:
        """The conversation's watches stopped because the bot left (`bot_left`), or
        because their owners did: what a reinstall, or a member's return, offers back."""
        watches = await self._watchlist.of(conversation_key)
        return [
            watch
            for watch in watches
            if watch.left_why is not None and watch.left_why.bot_left == bot_left
        ]

    def deleted_after(self, watches: list[Watch]) -> datetime | None:
        """When the retention job deletes the first of these stopped watches."""
        moments = [watch.left_at for watch in watches if watch.left_at is not None]
        return min(moments) + self._keep if moments else None

    async def _stop(
        self, conversation_key: str, departure: Departure, member: str | None
    ) -> list[Watch]:
        stopped = await self._watchlist.leave(conversation_key, departure, member)
        why = {watch.id: watch.left_why or departure for watch in stopped}
        waiting = await self._outbox.open_of_watches(sorted(why))
        by_why = defaultdict(list)
        for alert in waiting:
            by_why[why[alert.watch_id]].append(alert)
        for reason, alerts in by_why.items():
            await self._outcomes.dropped(alerts, DEPARTURE_WHY[reason])
        return stopped
