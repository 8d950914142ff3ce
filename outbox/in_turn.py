"""Alerts inside a turn: the one entry point the bot calls, proactive turn or user's turn.

The caller holds the conversation's turn lock, so what the turn reads of the dialog is
what the user sees: no other turn of the conversation runs until this one ends.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Mapping, Sequence

from domain.alert_fate import Fate, Situation, Verdict, fate
from domain.alerts import Alert, Delivered, FailureKind, SendFailure
from domain.clock import Clock
from domain.watches import Watch
from outbox.leases import Leases
from outbox.outcomes import Outcomes

SendAlerts = Callable[
    [Sequence[Alert], str, Mapping[int, Watch]], Awaitable[SendFailure | Delivered]
]
"""Sends the alerts as one message in the turn, all of one owner (their user id in a
group conversation; "" in a 1:1 or when not known), given their watches as the turn read
them, by id; returns why it failed, or that it went (with the id the channel gave the
message)."""
WatchesNow = Callable[[Sequence[int]], Awaitable[dict[int, Watch]]]
"""The watches that still exist, by id, as they are now (`WatchStore.by_ids`)."""
Gone = Callable[[str], Awaitable[None]]
"""The channel said the bot is no longer in this conversation: stop its watches and give
up its waiting alerts (`watchers.departures.Departures.roster_refused`)."""


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
        self,
        leases: Leases,
        outcomes: Outcomes,
        clock: Clock,
        hold_seconds: float,
        watches: WatchesNow,
        *,
        gone: Gone,
    ) -> None:
        self._leases = leases
        self._outcomes = outcomes
        self._clock = clock
        self._hold = timedelta(seconds=hold_seconds)
        self._watches = watches
        self._gone = gone

    async def run(
        self,
        conversation_key: str,
        dialog_waiting: bool,
        send: SendAlerts,
        batch: ProactiveBatch | None = None,
        quiet_until: datetime | None = None,
        members_quiet: Mapping[str, datetime | None] | None = None,
    ) -> None:
        """A proactive turn's batch: each alert's fate (`domain.alert_fate`) decided with
        its watch as it is now, under the turn lock: sent, held while a dialog waits or
        until `quiet_until` (the end of the user's quiet hours, if now is inside them),
        held while its watch sleeps, or put aside when it no longer stands. A user's turn
        (no batch) that leaves no dialog waiting, outside quiet hours: the same for
        everything the conversation has waiting, held alerts and the ones it missed while
        unreachable. In quiet hours a user's own message sends nothing: they asked for
        quiet, and everything arrives as one digest when the window ends.

        In a group conversation (`members_quiet` given: each member's quiet end, by user
        id) an alert is its watch owner's: held for the owner's quiet hours (for
        `quiet_until` when the owner is not known), and each owner's alerts go as a
        message of their own, which names them."""
        quiet = _Quiet(quiet_until, members_quiet)
        if batch is not None:
            settled = await self._settle(batch.unsettled(), dialog_waiting, send, quiet)
            batch.settle(settled)
        elif not dialog_waiting and (members_quiet is not None or quiet_until is None):
            waiting = await self._leases.claim_conversation(conversation_key)
            try:
                if waiting:
                    await self._settle(waiting, False, send, quiet)
            finally:
                self._leases.let_go(waiting)

    async def quiet_hours_changed(self, conversation_key: str) -> int:
        """The conversation's quiet hours or zone changed: what waited for the old
        window's end is due now, to be held again or sent; returns how many."""
        return await self._outcomes.wake_quiet(conversation_key)

    async def _settle(
        self,
        alerts: Sequence[Alert],
        dialog_waiting: bool,
        send: SendAlerts,
        quiet: _Quiet,
    ) -> list[Alert]:
        """Decide each alert's fate and carry it out; returns the alerts settled."""
        if not alerts:
            return []
        now = self._clock()
        watches = await self._watches(sorted({alert.watch_id for alert in alerts}))
        by_fate: dict[Fate, list[tuple[Alert, Verdict]]] = defaultdict(list)
        owners: dict[int, str] = {}
        for alert in alerts:
            watch = watches.get(alert.watch_id)
            owners[alert.id] = quiet.owner_of(watch)
            situation = Situation(
                now, watch, dialog_waiting, quiet.until(owners[alert.id]), hold=self._hold
            )
            verdict = fate(alert, situation)
            by_fate[verdict.fate].append((alert, verdict))
        hold_seconds = self._hold.total_seconds()
        if held := _alerts(by_fate[Fate.HOLD_FOR_DIALOG]):
            await self._outcomes.held(held, hold_seconds)
        # The end of each owner's quiet hours (one in a 1:1).
        for (until, _), quiet_held in _grouped(by_fate[Fate.HOLD_FOR_QUIET]).items():
            await self._outcomes.held(quiet_held, hold_seconds, until)
        for (until, why), asleep in _grouped(by_fate[Fate.ASLEEP]).items():
            await self._outcomes.asleep(asleep, until, why)
        for (_, why), stale in _grouped(by_fate[Fate.STALE]).items():
            await self._outcomes.dropped(stale, why)
        for owner, ready in _by_owner(by_fate[Fate.SEND], owners):
            outcome = await send(_alerts(ready), owner, watches)
            if isinstance(outcome, Delivered):
                await self._outcomes.sent(_alerts(ready), ready[0][1].why, outcome.activity_id)
                continue
            await self._outcomes.failed(_alerts(ready), outcome)
            if outcome.kind is FailureKind.GONE:
                # One refused send is enough: the other owners' alerts are given up with
                # the conversation's watches, never tried.
                await self._gone(alerts[0].conversation_key)
                break
        return [alert for verdicts in by_fate.values() for alert, _ in verdicts]


@dataclass(frozen=True)
class _Quiet:
    """Whose quiet hours hold an alert: the conversation's in a 1:1 (`members` None); in
    a group its watch owner's, the conversation's for an owner not known."""

    conversation: datetime | None
    members: Mapping[str, datetime | None] | None

    def owner_of(self, watch: Watch | None) -> str:
        """The alert's owner in a group; "" in a 1:1 or when not known."""
        return "" if self.members is None or watch is None else watch.user_id

    def until(self, owner: str) -> datetime | None:
        if self.members is None or not owner:
            return self.conversation
        return self.members.get(owner)


def _by_owner(
    verdicts: Sequence[tuple[Alert, Verdict]], owners: Mapping[int, str]
) -> list[tuple[str, list[tuple[Alert, Verdict]]]]:
    """The verdicts by their alert's owner (one group in a 1:1), in the alerts' order."""
    groups: dict[str, list[tuple[Alert, Verdict]]] = defaultdict(list)
    for alert, verdict in verdicts:
        groups[owners[alert.id]].append((alert, verdict))
    return list(groups.items())


def _grouped(
    verdicts: Sequence[tuple[Alert, Verdict]],
) -> dict[tuple[datetime | None, str], list[Alert]]:
    """The alerts by their verdict's end and reason: one store write for each."""
    groups: dict[tuple[datetime | None, str], list[Alert]] = defaultdict(list)
    for alert, verdict in verdicts:
        groups[verdict.until, verdict.why].append(alert)
    return groups


def _alerts(verdicts: Sequence[tuple[Alert, Verdict]]) -> list[Alert]:
    return [alert for alert, _ in verdicts]
