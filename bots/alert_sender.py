"""Inside a turn: send alerts as one message, or hold them while a dialog waits."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Sequence

from botbuilder.core import MessageFactory, TurnContext

from dialogs import texts
from state.keys import conversation_key
from state.models import Alert
from state.store import Store
from watchers.clock import Clock
from watchers.delivery import CLAIM_LEASE, SETTLED_ALERTS
from watchers.retry import RetryPolicy

logger = logging.getLogger(__name__)


class AlertSender:
    def __init__(
        self, store: Store, clock: Clock, retry: RetryPolicy, hold_seconds: float
    ) -> None:
        self._store = store
        self._clock = clock
        self._retry = retry
        self._hold = timedelta(seconds=hold_seconds)

    async def on_proactive_turn(
        self, context: TurnContext, alerts: Sequence[Alert], dialog_waiting: bool
    ) -> None:
        """Interject when the user is idle; hold while a dialog waits, up to the hold time."""
        now = self._clock()
        overdue = [a for a in alerts if a.held_at is not None and now - a.held_at >= self._hold]
        if not dialog_waiting or not self._hold:
            await self.send(context, alerts, "the user is not in a dialog")
            return
        waiting = [alert for alert in alerts if alert not in overdue]
        if waiting:
            await self._store.mark_held([a.id for a in waiting], now, self._hold.total_seconds())
            _settle(context, waiting)
            for alert in waiting:
                logger.info("alert %s held: a dialog is waiting for the user", alert.id)
        if overdue:
            await self.send(context, overdue, "held longer than ALERT_HOLD_SECONDS")

    async def flush(self, context: TurnContext) -> None:
        """Send every alert this conversation has waiting, now that no dialog is."""
        now = self._clock()
        key = conversation_key(context.activity)
        alerts = await self._store.claim_conversation_alerts(key, now, now + CLAIM_LEASE)
        if alerts:
            await self.send(context, alerts, "the user's dialog ended or they wrote again")

    async def send(self, context: TurnContext, alerts: Sequence[Alert], why: str) -> bool:
        ids = [alert.id for alert in alerts]
        try:
            await context.send_activity(MessageFactory.text(texts.alerts_message(alerts)))
        except Exception as error:  # any channel failure: record it, never lose the alert
            now = self._clock()
            attempts = max(alert.attempts for alert in alerts) + 1
            retry_at = self._retry.next_attempt(attempts, now)
            logger.warning(
                "alerts %s send failed (%s); %s",
                ids,
                type(error).__name__,
                "giving up" if retry_at is None else "will retry",
            )
            await self._store.mark_attempt_failed(ids, now, _describe(error), retry_at)
            _settle(context, alerts)
            return False
        await self._store.mark_sent(ids, self._clock())
        _settle(context, alerts)
        logger.info("alerts %s sent: %s", ids, why)
        return True


def _settle(context: TurnContext, alerts: Sequence[Alert]) -> None:
    settled = context.turn_state.get(SETTLED_ALERTS)
    if settled is not None:
        settled.update(alert.id for alert in alerts)


def _describe(error: Exception) -> str:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return f"{type(error).__name__}" + (f" (HTTP {status})" if status else "")
