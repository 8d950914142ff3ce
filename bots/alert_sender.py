"""Inside a turn: send alerts as one message, or hold them while a dialog waits."""

from __future__ import annotations

from datetime import timedelta
from typing import Sequence

from botbuilder.core import MessageFactory, TurnContext

from dialogs import texts
from state.keys import conversation_key
from state.models import Alert
from state.store import Store
from watchers.clock import Clock
from watchers.delivery import CLAIM_LEASE, SETTLED_ALERTS
from watchers.outcomes import Outcomes


class AlertSender:
    def __init__(self, store: Store, clock: Clock, outcomes: Outcomes, hold_seconds: float) -> None:
        self._store = store
        self._clock = clock
        self._outcomes = outcomes
        self._hold = timedelta(seconds=hold_seconds)

    async def on_proactive_turn(
        self, context: TurnContext, alerts: Sequence[Alert], dialog_waiting: bool
    ) -> None:
        """Interject when the user is idle; hold while a dialog waits, up to the hold time."""
        if not dialog_waiting or not self._hold:
            await self.send(context, alerts, "the user is not in a dialog")
            return
        now = self._clock()
        overdue = [a for a in alerts if a.held_at is not None and now - a.held_at >= self._hold]
        waiting = [alert for alert in alerts if alert not in overdue]
        if waiting:
            await self._outcomes.held(waiting, self._hold.total_seconds())
            _settle(context, waiting)
        if overdue:
            await self.send(
                context, overdue, "held for ALERT_HOLD_SECONDS; the dialog is still open"
            )

    async def flush(self, context: TurnContext) -> None:
        """Send every alert this conversation has waiting, now that no dialog is."""
        now = self._clock()
        key = conversation_key(context.activity)
        alerts = await self._store.claim_conversation_alerts(key, now, now + CLAIM_LEASE)
        if alerts:
            await self.send(context, alerts, "no dialog is waiting now that the user wrote")

    async def send(self, context: TurnContext, alerts: Sequence[Alert], why: str) -> bool:
        try:
            await context.send_activity(MessageFactory.text(texts.alerts_message(alerts)))
        except Exception as error:  # any channel failure: record it, never lose the alert
            await self._outcomes.failed(alerts, error)
            _settle(context, alerts)
            return False
        await self._outcomes.sent(alerts, why)
        _settle(context, alerts)
        return True


def _settle(context: TurnContext, alerts: Sequence[Alert]) -> None:
    settled = context.turn_state.get(SETTLED_ALERTS)
    if settled is not None:
        settled.update(alert.id for alert in alerts)
