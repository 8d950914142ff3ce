"""A pressed alert card, replaced in place by one that says what was done, where the
channel can (Teams, the Emulator: `update_activity` on the id the channel gave the
message); the record of what was done; and, for our Web Chat page, which cards went out
of date.

The message is made again as it was sent (every alert it carried, in the same form for
the channel and owner), with each answered card showing what its button did and no
buttons; the others keep theirs. Any failure of the update (the channel refusing it, the
message too old for the outbox) is logged, and the caller replies instead.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable, Mapping, Sequence

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes

from bots.alert_sender import alert_message_activity
from dialogs.card_actions import Pressed
from dialogs.card_channels import WATCHES_CHANGED, tells_page_of_changes, updates_cards
from dialogs.keys import conversation_key
from domain.local_times import LocalTimes
from domain.watches import Watch
from state.interfaces import OutboxStore
from watchers.alert_facts import AlertFactsSource

logger = logging.getLogger(__name__)

WatchesOf = Callable[[str], Awaitable[Sequence[Watch]]]
"""A conversation's watches (`Watchlist.of`)."""


class CardUpdates:
    def __init__(self, outbox: OutboxStore, facts: AlertFactsSource, watches_of: WatchesOf) -> None:
        self._outbox = outbox
        self._facts = facts
        self._watches_of = watches_of

    async def replace(self, context: TurnContext, pressed: Pressed, times: LocalTimes) -> bool:
        """Record what the pressed card's button did and, where the channel can, replace
        the card's message with it; True when the channel took the update (nothing else
        need be said), False when the caller should reply."""
        watch = pressed.watch
        if pressed.done is None or pressed.alert_id is None or watch is None:
            return False
        key = conversation_key(context.activity)
        if not await self._outbox.mark_card_done(key, pressed.alert_id, watch.id, pressed.done):
            return False  # pruned, or the card's data names an alert of another watch
        if not updates_cards(context.activity.channel_id):
            return False
        alerts = await self._outbox.card_message(key, pressed.alert_id)
        activity_id = alerts[0].activity_id if alerts else None
        if activity_id is None:
            logger.info("alert %s: its message has no id to update; replying", pressed.alert_id)
            return False
        try:
            owner = (watch.user_id, watch.owner_name)
            # The pressed card's watch as the press left it (Stop has removed it).
            watches = {w.id: w for w in await self._watches_of(key)} | {watch.id: watch}
            activity = await alert_message_activity(
                context, alerts, watches, self._facts, times, owner
            )
            activity.id = activity_id
            await context.update_activity(activity)
        except Exception as error:
            logger.warning(
                "alert %s: could not replace its card in %s (%s: %.300s); replying instead",
                pressed.alert_id,
                key,
                type(error).__name__,
                error,
            )
            return False
        logger.info("alert %s: its card in %s replaced: %s", pressed.alert_id, key, pressed.done)
        return True


async def tell_page(context: TurnContext, changed: Mapping[int, int | None]) -> None:
    """On a channel whose client may be our Web Chat page (which cannot have a card
    replaced), an event naming the watches the turn changed, so the page greys out the
    buttons of their older cards. Never a message: other clients show no event."""
    if not changed or not tells_page_of_changes(context.activity.channel_id):
        return
    await context.send_activity(
        Activity(
            type=ActivityTypes.event,
            name=WATCHES_CHANGED,
            value={str(watch_id): version for watch_id, version in changed.items()},
        )
    )
