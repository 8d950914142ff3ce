"""Sending a turn's alerts as one message, and saying why a send failed."""

from __future__ import annotations

from typing import Sequence

from botbuilder.core import MessageFactory, TurnContext

from connector.send_failures import classify
from dialogs import quiet_texts, texts
from domain.alerts import Alert, SendFailure
from domain.clock import Clock
from outbox.in_turn import SendAlerts


def alert_sender(context: TurnContext, clock: Clock) -> SendAlerts:
    """A `SendAlerts` for this turn: any failure is caught and classified, never raised,
    so the outbox records it and the alert is never lost."""

    async def send(alerts: Sequence[Alert]) -> SendFailure | None:
        try:
            message = texts.alerts_message(alerts)
            if any(alert.quiet_until is not None for alert in alerts):  # QUIET: a digest
                message = f"{quiet_texts.QUIET_DIGEST_HEADING}\n\n{message}"
            await context.send_activity(MessageFactory.text(message))
        except Exception as error:
            return classify(error, clock())
        return None

    return send
