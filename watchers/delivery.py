"""Delivery tick: one proactive turn per conversation with due alerts.

Each turn goes through the bot's own on_turn with the alerts on the turn state; the
bot decides whether to send them now or hold them while a dialog waits. Claims are
short leases, renewed while a send is in flight, so a dead process's claims run out
within seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from botbuilder.core import Bot, BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference

from state.models import Alert
from state.store import Store
from watchers.clock import Clock
from watchers.outcomes import Outcomes
from watchers.pacing import Pacer, Sleep
from watchers.send_failures import FailureKind, SendFailure

logger = logging.getLogger(__name__)

PROACTIVE_ALERTS: Final = "PriceWatch.proactive_alerts"
"""turn_state key: the alerts a proactive turn is about."""
SETTLED_ALERTS: Final = "PriceWatch.settled_alerts"
"""turn_state key: ids of alerts the bot sent, held or failed in this turn."""
CLAIM_LEASE: Final = timedelta(seconds=5)
RENEW_EVERY_SECONDS: Final = 2.0


NO_REFERENCE: Final = SendFailure(FailureKind.PERMANENT, "no conversation reference stored")


@dataclass(frozen=True)
class DeliveryReport:
    conversations: int
    alerts: int
    unsettled: int


@dataclass(frozen=True)
class Pacing:
    per_conversation: Pacer
    per_channel: Pacer


def channel_key(reference: ConversationReference) -> str:
    """Rate limits apply per channel and tenant."""
    tenant = getattr(reference.conversation, "tenant_id", None) or ""
    return f"{reference.channel_id}/{tenant}"


class Deliverer:
    def __init__(
        self,
        store: Store,
        adapter: BotAdapter,
        bot: Bot,
        app_id: str,
        clock: Clock,
        outcomes: Outcomes,
        pacing: Pacing,
        *,
        concurrency: int = 32,
        batch_size: int = 1000,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._store = store
        self._adapter = adapter
        self._bot = bot
        self._app_id = app_id
        self._clock = clock
        self._outcomes = outcomes
        self._pacing = pacing
        self._slots = asyncio.Semaphore(concurrency)
        self._batch_size = batch_size
        self._sleep = sleep
        self._in_flight: set[int] = set()
        self._active_ticks = 0
        self._renewer: asyncio.Task[None] | None = None
        self._closing = False
        self._idle = asyncio.Event()
        self._idle.set()

    async def tick(self) -> DeliveryReport:
        if self._closing:
            return DeliveryReport(0, 0, 0)
        now = self._clock()
        alerts = await self._store.claim_due_alerts(now, now + CLAIM_LEASE, self._batch_size)
        if not alerts:
            return DeliveryReport(0, 0, 0)
        by_conversation: dict[str, list[Alert]] = defaultdict(list)
        for alert in alerts:
            by_conversation[alert.conversation_key].append(alert)
        self._in_flight |= {alert.id for alert in alerts}
        self._keep_claims()
        self._active_ticks += 1
        self._idle.clear()
        try:
            references = await self._store.get_references(list(by_conversation))
            left = await asyncio.gather(
                *(
                    self._deliver(batch, references.get(key))
                    for key, batch in by_conversation.items()
                )
            )
        finally:
            self._active_ticks -= 1
            if not self._active_ticks:
                self._idle.set()
        return DeliveryReport(len(by_conversation), len(alerts), sum(left))

    async def drain(self, timeout_seconds: float) -> None:
        """Take no new work; give in-flight sends a few seconds; leave the rest pending."""
        self._closing = True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_seconds)
        except asyncio.TimeoutError:
            logger.warning("shutting down with %d alert(s) still in flight", len(self._in_flight))
        if self._in_flight:
            await self._store.release_claims(sorted(self._in_flight))

    async def _deliver(self, alerts: list[Alert], stored: dict[str, Any] | None) -> int:
        """One conversation's claimed alerts; returns how many the turn left unsettled."""
        ids = {alert.id for alert in alerts}
        try:
            async with self._slots:
                if self._closing:
                    await self._store.release_claims(sorted(ids))
                    return 0
                if stored is None:
                    await self._outcomes.failed_with(alerts, NO_REFERENCE)
                    return len(alerts)
                reference = ConversationReference().deserialize(stored)
                await self._pacing.per_conversation.wait_turn(alerts[0].conversation_key)
                await self._pacing.per_channel.wait_turn(channel_key(reference))
                return len(await self._run_turn(reference, alerts))
        finally:
            self._in_flight -= ids
            if not self._in_flight and self._renewer is not None:
                self._renewer.cancel()

    async def _run_turn(self, reference: ConversationReference, alerts: list[Alert]) -> list[Alert]:
        settled: set[int] = set()

        async def turn(context: TurnContext) -> None:
            context.turn_state[PROACTIVE_ALERTS] = alerts
            context.turn_state[SETTLED_ALERTS] = settled
            context.on_send_activities(_not_a_reply)
            await self._bot.on_turn(context)

        try:
            await self._adapter.continue_conversation(reference, turn, self._app_id)
        except Exception as error:  # the adapter may raise before the turn runs
            logger.exception("proactive turn for %s could not run", alerts[0].conversation_key)
            left = [alert for alert in alerts if alert.id not in settled]
            await self._outcomes.failed(left, error)
            return left
        left = [alert for alert in alerts if alert.id not in settled]
        if left:
            await self._outcomes.failed_with(
                left,
                SendFailure(FailureKind.TRANSIENT, "the turn ended without sending or holding"),
            )
        return left

    def _keep_claims(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.create_task(self._renew_claims())

    async def _renew_claims(self) -> None:
        while self._in_flight:
            await self._sleep(RENEW_EVERY_SECONDS)
            if self._in_flight:
                await self._store.extend_claims(
                    sorted(self._in_flight), self._clock() + CLAIM_LEASE
                )


async def _not_a_reply(context: TurnContext, activities: list[Activity], send):  # type: ignore[no-untyped-def]
    """Proactive messages answer nothing: Web Chat delays replies to unknown ids ~5 s."""
    for activity in activities:
        activity.reply_to_id = None
    return await send()
