"""Sending a turn's alerts as one message, and saying why a send failed."""

from __future__ import annotations

from typing import Sequence

from botbuilder.core import MessageFactory, TurnContext

from connector.send_failures import classify
from dialogs import texts
from domain.alerts import Alert, SendFailure
from domain.clock import Clock
from outbox.in_turn import SendAlerts


def alert_sender(context: TurnContext, clock: Clock) -> SendAlerts:
    """A `SendAlerts` for this turn: any failure is caught and classified, never raised,
    so the outbox records it and the alert is never lost."""

    async def send(alerts: Sequence[Alert]) -> SendFailure | None:
        try:
            await context.send_activity(MessageFactory.text(texts.alerts_message(alerts)))
        except Exception as error:
            return classify(error, clock())
        return None

    return send
