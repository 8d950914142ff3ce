"""Spacing sends so the bot stays under channel rate limits: callers wait their turn."""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """At most `per_second` turns per key; 0 means no limit.

    Each caller is given the next free slot for its key and sleeps until then, so a
    burst is spread out in arrival order instead of being dropped or retried.
    """

    def __init__(
        self,
        per_second: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_free: dict[str, float] = {}

    async def wait_turn(self, key: str) -> bool:
        """Wait for this key's next free slot; True if that meant waiting at all."""
        if not self._interval:
            return False
        now = self._monotonic()
        slot = max(now, self._next_free.get(key, now))
        self._next_free[key] = slot + self._interval
        if len(self._next_free) > 10_000:
            self._forget_idle(now)
        if slot <= now:
            return False
        await self._sleep(slot - now)
        return True

    def _forget_idle(self, now: float) -> None:
        self._next_free = {key: at for key, at in self._next_free.items() if at > now}
