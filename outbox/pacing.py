"""Spacing sends so the bot stays under channel rate limits: callers wait their turn.

A limit is a number of turns in a window (`Rate`): "7 in 1 s and 60 in 30 s" per Teams
conversation lets a burst of 7 go at once and then spreads the rest; "1 in 1/30 s" is a
plain spacing of 30 a second. Each channel may have limits of its own (Teams documents
its own; `TEAMS_PER_CONVERSATION`, `TEAMS_PER_TENANT`); a pacer knows a key's channel by
how every key it is given starts: the channel id and a slash (a conversation key
`msteams/19:...`, or the tenant key `msteams/<tenant id>` of `ProactiveTurns.channel_of`).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Awaitable, Callable, Final, Mapping, Sequence

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Rate:
    """At most `count` turns in any `seconds` long window."""

    count: int
    seconds: float


Limits = tuple[Rate, ...]
"""Every one of them holds; none: no limit."""

TEAMS: Final = "msteams"
TEAMS_PER_CONVERSATION: Final[Limits] = (Rate(7, 1.0), Rate(60, 30.0))
"""Teams, per bot per conversation (Microsoft's "Rate limiting for bots", which also
says 8 in 2 s, and 1800 an hour, that a fan-out of alerts never comes near)."""
TEAMS_PER_TENANT: Final[Limits] = (Rate(1, 1 / 50),)
"""Teams, per app per tenant: "about 50 a second", spread evenly."""
IDLE_KEYS_KEPT: Final = 10_000


def per_second(rate: float) -> Limits:
    """`rate` turns a second, evenly spaced; 0 means no limit."""
    return (Rate(1, 1.0 / rate),) if rate > 0 else ()


class Pacer:
    """At most its limits' turns per key: `per_second` (a rate, or `Limits`) for every
    channel but those in `channels`, which have their own.

    Each caller is given the key's next free slot and sleeps until then, so a burst is
    spread out in arrival order instead of being dropped or retried.
    """

    def __init__(
        self,
        per_second: float | Sequence[Rate] = 0,
        *,
        channels: Mapping[str, Sequence[Rate]] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._default = _limits(per_second)
        self._channels = {channel: _limits(limits) for channel, limits in (channels or {}).items()}
        self._monotonic = monotonic
        self._sleep = sleep
        self._slots: dict[str, deque[float]] = {}
        """Each key's most recent turns (given or promised), oldest first."""

    def limits(self, key: str) -> Limits:
        return self._channels.get(key.split("/", 1)[0], self._default)

    async def wait_turn(self, key: str) -> bool:
        """Wait for this key's next free slot; True if that meant waiting at all."""
        limits = self.limits(key)
        if not limits:
            return False
        now = self._monotonic()
        slots = self._slots.get(key)
        if slots is None:
            slots = self._slots[key] = deque(maxlen=max(rate.count for rate in limits))
        slot = max(now, slots[-1]) if slots else now
        for rate in limits:
            if len(slots) >= rate.count:
                slot = max(slot, slots[-rate.count] + rate.seconds)
        slots.append(slot)
        if len(self._slots) > IDLE_KEYS_KEPT:
            self._forget_idle(now)
        if slot <= now:
            return False
        await self._sleep(slot - now)
        return True

    def _forget_idle(self, now: float) -> None:
        """Keys none of whose windows still holds a turn."""
        self._slots = {
            key: slots
            for key, slots in self._slots.items()
            if slots and slots[-1] + max(rate.seconds for rate in self.limits(key)) > now
        }


def _limits(limits: float | Sequence[Rate]) -> Limits:
    if isinstance(limits, (int, float)):
        return per_second(float(limits))
    return tuple(limits)


CONVERSATION_PER_SECOND: Final = 1.0
"""Alert messages a second to one conversation, on channels without limits of their own."""
TENANT_PER_SECOND: Final = 30.0
"""Alert messages a second per channel and tenant, on channels without limits of their own."""


def conversation_pacer(
    rate: float | None,
    *,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> Pacer:
    """Per conversation: `rate` (CONVERSATION_MAX_PER_SECOND) on every channel when it is
    set; otherwise Teams' own limits on Teams and CONVERSATION_PER_SECOND elsewhere."""
    return _pacer(rate, CONVERSATION_PER_SECOND, TEAMS_PER_CONVERSATION, monotonic, sleep)


def tenant_pacer(
    rate: float | None,
    *,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Sleep = asyncio.sleep,
) -> Pacer:
    """Per channel and tenant: `rate` (DELIVERY_MAX_PER_SECOND) on every channel when it is
    set; otherwise Teams' own limit on Teams and TENANT_PER_SECOND elsewhere."""
    return _pacer(rate, TENANT_PER_SECOND, TEAMS_PER_TENANT, monotonic, sleep)


def _pacer(
    rate: float | None,
    elsewhere: float,
    on_teams: Limits,
    monotonic: Callable[[], float],
    sleep: Sleep,
) -> Pacer:
    """`rate` on every channel when set; else Teams' limits on Teams, `elsewhere` elsewhere."""
    if rate is not None:
        return Pacer(rate, monotonic=monotonic, sleep=sleep)
    return Pacer(elsewhere, channels={TEAMS: on_teams}, monotonic=monotonic, sleep=sleep)
