"""Delivery tick: one proactive turn per conversation with due alerts.

Each turn goes through the bot's own on_turn (the edge, `ProactiveTurns`, runs it) with
the claimed alerts; the bot sends them now or holds them while a dialog waits. A tick
claims and starts its conversations' turns, and the next tick claims other work while
they run: a slow conversation, or a fan-out paced on one channel, delays no one else.
Pacing waits hold no concurrency slot. A conversation whose turn lock is busy (the user
is mid-turn) gets its claims back and is tried again at the next tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Final, Protocol

from domain.alerts import Alert, AlertStatus, FailureKind, SendFailure
from outbox.in_turn import ProactiveBatch
from outbox.leases import Leases
from outbox.outcomes import Outcomes
from outbox.pacing import Pacer
from state.interfaces import OutboxStore, ReferenceStore, TurnLocks

logger = logging.getLogger(__name__)

BUSY_WAIT_SECONDS: Final = 0.2
"""How long a proactive turn waits for a conversation's turn lock before it gives its
claims back for the next tick."""
NO_REFERENCE: Final = SendFailure(FailureKind.PERMANENT, "no conversation reference stored")
UNSETTLED: Final = SendFailure(FailureKind.TRANSIENT, "the turn ended without sending or holding")
OPEN: Final = frozenset({AlertStatus.PENDING, AlertStatus.HELD})


class ProactiveTurns(Protocol):
    """The SDK edge: runs a proactive turn through the bot (bots/proactive.py)."""

    def channel_of(self, reference: dict[str, Any]) -> str:
        """The key rate limits apply to: the reference's channel and tenant."""

    async def run(self, reference: dict[str, Any], batch: ProactiveBatch) -> SendFailure | None:
        """Run the turn; returns why it could not run, or None when it did."""


@dataclass(frozen=True)
class DeliveryReport:
    conversations: int
    alerts: int
    unsettled: int
    """Alerts a turn left unsettled or could not run for (recorded as failed tries)."""
    busy: int = 0
    """Conversations mid-turn: their claims were given back for the next tick."""


@dataclass(frozen=True)
class Pacing:
    per_conversation: Pacer
    per_channel: Pacer


@dataclass(frozen=True)
class _Result:
    unsettled: int = 0
    busy: bool = False


class Deliverer:
    def __init__(
        self,
        outbox: OutboxStore,
        references: ReferenceStore,
        locks: TurnLocks,
        leases: Leases,
        turns: ProactiveTurns,
        outcomes: Outcomes,
        pacing: Pacing,
        *,
        concurrency: int = 32,
        batch_size: int = 1000,
    ) -> None:
        self._outbox = outbox
        self._references = references
        self._locks = locks
        self._leases = leases
        self._turns = turns
        self._outcomes = outcomes
        self._pacing = pacing
        self._slots = asyncio.Semaphore(concurrency)
        self._batch_size = batch_size
        self._running: set[asyncio.Task[_Result]] = set()
        self._closing = False

    async def dispatch(self) -> int:
        """Claim due alerts and start their turns without waiting for them (the scheduled
        job); returns how many alerts were claimed."""
        return sum(len(batch) for batch, _ in await self._start())

    async def tick(self) -> DeliveryReport:
        """Claim due alerts, run their turns and report once these have ended."""
        started = await self._start()
        results: list[_Result] = list(await asyncio.gather(*(task for _, task in started)))
        return DeliveryReport(
            conversations=len(started),
            alerts=sum(len(batch) for batch, _ in started),
            unsettled=sum(result.unsettled for result in results),
            busy=sum(result.busy for result in results),
        )

    async def drain(self, timeout_seconds: float) -> None:
        """Take no new work; give in-flight turns a few seconds; leave the rest pending."""
        self._closing = True
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=timeout_seconds)
            if late:
                logger.warning("shutting down with %d conversation(s) still in flight", len(late))
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)

    async def _start(self) -> list[tuple[list[Alert], asyncio.Task[_Result]]]:
        """One task per conversation with claimed alerts, started."""
        if self._closing:
            return []
        alerts = await self._leases.claim_due(self._batch_size)
        if not alerts:
            return []
        by_conversation: dict[str, list[Alert]] = defaultdict(list)
        for alert in alerts:
            by_conversation[alert.conversation_key].append(alert)
        try:
            references = await self._references.get_many(list(by_conversation))
        except BaseException:
            await asyncio.shield(self._leases.release(alerts))
            raise
        logger.info(
            "delivering %d alert(s) to %d conversation(s)", len(alerts), len(by_conversation)
        )
        started = []
        for key, batch in by_conversation.items():
            task = asyncio.create_task(self._deliver(batch, references.get(key)))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            started.append((batch, task))
        return started

    async def _deliver(self, alerts: list[Alert], reference: dict[str, Any] | None) -> _Result:
        """One conversation's claimed alerts, from pacing to their outcome."""
        key = alerts[0].conversation_key
        try:
            if reference is None:
                await self._outcomes.failed(alerts, NO_REFERENCE)
                return _Result(unsettled=len(alerts))
            waited = await self._pacing.per_conversation.wait_turn(key)
            waited |= await self._pacing.per_channel.wait_turn(self._turns.channel_of(reference))
            async with self._slots, self._locks.hold(key, BUSY_WAIT_SECONDS) as mine:
                if self._closing:
                    await self._leases.release(alerts)
                    return _Result()
                if not mine:
                    await self._leases.release(alerts)
                    logger.info("conversation %s is mid-turn; its alerts wait a tick", key)
                    return _Result(busy=True)
                if waited:
                    alerts = await self._still_open(alerts)
                return await self._run_turn(reference, alerts)
        except asyncio.CancelledError:
            await asyncio.shield(self._leases.release(alerts))
            raise
        except Exception as error:  # the store is away: nothing can be recorded now
            logger.warning(
                "delivery to %s stopped (%s: %s); its %d alert(s) go again once their"
                " claims run out",
                key,
                type(error).__name__,
                error,
                len(alerts),
            )
            return _Result(unsettled=len(alerts))
        finally:
            self._leases.let_go(alerts)

    async def _still_open(self, alerts: list[Alert]) -> list[Alert]:
        """The alerts as they are now that the turn is ours, after a pacing wait (up to a
        fan-out's length): long enough for the user to remove a watch, and its alerts."""
        return [
            alert
            for alert in await self._outbox.get([a.id for a in alerts])
            if alert.status in OPEN
        ]

    async def _run_turn(self, reference: dict[str, Any], alerts: list[Alert]) -> _Result:
        if not alerts:
            return _Result()
        batch = ProactiveBatch(alerts)
        failure = await self._turns.run(reference, batch)
        left = batch.unsettled()
        if left:
            await self._outcomes.failed(left, failure or UNSETTLED)
        return _Result(unsettled=len(left))
