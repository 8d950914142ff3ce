"""Delivery tick: claim due alerts and run one proactive turn per conversation.

Each turn goes through the bot's own on_turn with the alerts on the turn state; the
bot decides whether to send them now or hold them while a dialog waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from botbuilder.core import Bot, BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference

from state.models import Alert
from state.store import Store
from watchers.clock import Clock
from watchers.retry import RetryPolicy

logger = logging.getLogger(__name__)

PROACTIVE_ALERTS: Final = "PriceWatch.proactive_alerts"
"""turn_state key: the alerts a proactive turn is about."""
SETTLED_ALERTS: Final = "PriceWatch.settled_alerts"
"""turn_state key: ids of alerts the bot sent, held or failed in this turn."""
CLAIM_LEASE: Final = timedelta(seconds=5)


@dataclass(frozen=True)
class DeliveryReport:
    claimed: int
    conversations: int
    unsettled: int


class Deliverer:
    def __init__(
        self,
        store: Store,
        adapter: BotAdapter,
        bot: Bot,
        app_id: str,
        clock: Clock,
        retry: RetryPolicy,
        *,
        concurrency: int = 32,
        batch_size: int = 1000,
    ) -> None:
        self._store = store
        self._adapter = adapter
        self._bot = bot
        self._app_id = app_id
        self._clock = clock
        self._retry = retry
        self._slots = asyncio.Semaphore(concurrency)
        self._batch_size = batch_size

    async def tick(self) -> DeliveryReport:
        now = self._clock()
        alerts = await self._store.claim_due_alerts(now, now + CLAIM_LEASE, self._batch_size)
        by_conversation: dict[str, list[Alert]] = defaultdict(list)
        for alert in alerts:
            by_conversation[alert.conversation_key].append(alert)
        unsettled = await asyncio.gather(
            *(self._deliver(key, batch) for key, batch in by_conversation.items())
        )
        return DeliveryReport(len(alerts), len(by_conversation), sum(unsettled))

    async def _deliver(self, key: str, alerts: list[Alert]) -> int:
        async with self._slots:
            stored = await self._store.get_reference(key)
            if stored is None:
                await self._fail(alerts, "no conversation reference stored")
                return len(alerts)
            reference = ConversationReference().deserialize(stored)
            settled: set[int] = set()

            async def turn(context: TurnContext) -> None:
                context.turn_state[PROACTIVE_ALERTS] = alerts
                context.turn_state[SETTLED_ALERTS] = settled
                context.on_send_activities(_not_a_reply)
                await self._bot.on_turn(context)

            try:
                await self._adapter.continue_conversation(reference, turn, self._app_id)
            except Exception as error:  # the adapter may raise before the turn runs
                logger.exception("proactive turn for %s could not start", key)
                settled.clear()
                await self._fail(alerts, f"turn failed: {type(error).__name__}")
                return len(alerts)
            left = [alert for alert in alerts if alert.id not in settled]
            if left:
                await self._fail(left, "the turn ended without sending or holding")
            return len(left)

    async def _fail(self, alerts: list[Alert], error: str) -> None:
        now = self._clock()
        for alert in alerts:
            retry_at = self._retry.next_attempt(alert.attempts + 1, now)
            logger.warning(
                "alert %s for %s not delivered (%s); %s",
                alert.id,
                alert.conversation_key,
                error,
                "giving up" if retry_at is None else f"retrying at {retry_at:%H:%M:%S}",
            )
            await self._store.mark_attempt_failed([alert.id], now, error, retry_at)


async def _not_a_reply(context: TurnContext, activities: list[Activity], send):  # type: ignore[no-untyped-def]
    """Proactive messages answer nothing: Web Chat delays replies to unknown ids ~5 s."""
    for activity in activities:
        activity.reply_to_id = None
    return await send()
