"""Alerts inside a turn: the one entry point the bot calls, proactive turn or user's turn.

The caller holds the conversation's turn lock, so what the turn reads of the dialog is
what the user sees: no other turn of the conversation runs until this one ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Sequence

from domain.alerts import Alert, SendFailure
from domain.clock import Clock
from outbox.hold import decide
from outbox.leases import Leases
from outbox.outcomes import Outcomes

SendAlerts = Callable[[Sequence[Alert]], Awaitable[SendFailure | None]]
"""Sends the alerts as one message in the turn; returns why it failed, or None."""


@dataclass
class ProactiveBatch:
    """The claimed alerts a proactive turn is about, and which of them it settled."""

    alerts: list[Alert]
    settled: set[int] = field(default_factory=set)

    def settle(self, alerts: Sequence[Alert]) -> None:
        self.settled.update(alert.id for alert in alerts)

    def unsettled(self) -> list[Alert]:
        return [alert for alert in self.alerts if alert.id not in self.settled]


class AlertsInTurn:
    def __init__(
        self, leases: Leases, outcomes: Outcomes, clock: Clock, hold_seconds: float
    ) -> None:
        self._leases = leases
        self._outcomes = outcomes
        self._clock = clock
        self._hold = timedelta(seconds=hold_seconds)

    async def run(
        self,
        conversation_key: str,
        dialog_waiting: bool,
        send: SendAlerts,
        batch: ProactiveBatch | None = None,
        quiet_until: datetime | None = None,
    ) -> None:
        """A proactive turn's batch: send it, or hold it while a dialog waits or until
        `quiet_until` (the end of the user's quiet hours, if now is inside them). A
        user's turn (no batch) that leaves no dialog waiting, outside quiet hours: send
        everything the conversation has waiting, held alerts and the ones it missed while
        unreachable. In quiet hours a user's own message sends nothing: they asked for
        quiet, and everything arrives as one digest when the window ends."""
        if batch is not None:
            await self._proactive(batch, dialog_waiting, send, quiet_until)
        elif not dialog_waiting and quiet_until is None:
            waiting = await self._leases.claim_conversation(conversation_key)
            try:
                if waiting:
                    await self._send(waiting, send, "no dialog is waiting now that the user wrote")
            finally:
                self._leases.let_go(waiting)

    async def quiet_hours_changed(self, conversation_key: str) -> int:
        """The conversation's quiet hours or zone changed: what waited for the old
        window's end is due now, to be held again or sent; returns how many."""
        return await self._outcomes.wake_quiet(conversation_key)

    async def _proactive(
        self,
        batch: ProactiveBatch,
        dialog_waiting: bool,
        send: SendAlerts,
        quiet_until: datetime | None,
    ) -> None:
        decision = decide(batch.unsettled(), dialog_waiting, self._clock(), self._hold, quiet_until)
        if decision.hold:
            await self._outcomes.held(
                decision.hold, self._hold.total_seconds(), decision.quiet_until
            )
            batch.settle(decision.hold)
        if decision.send:
            await self._send(decision.send, send, decision.why)
            batch.settle(decision.send)

    async def _send(self, alerts: Sequence[Alert], send: SendAlerts, why: str) -> None:
        failure = await send(alerts)
        if failure is None:
            await self._outcomes.sent(alerts, why)
        else:
            await self._outcomes.failed(alerts, failure)
