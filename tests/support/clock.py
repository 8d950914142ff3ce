"""A clock tests move by hand, and sleeps measured on it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


@dataclass(eq=False)
class _Sleeper:
    until: datetime
    wake: asyncio.Future[None]
    task: asyncio.Task[object] | None


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
        self._sleepers: list[_Sleeper] = []
        self._back: dict[asyncio.Task[object], asyncio.Future[None]] = {}
        """Tasks woken by `pass_time`, and what it awaits: their next sleep, or their end."""

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time on; sleeps it ends return when the loop next runs them."""
        self.now += timedelta(seconds=seconds)
        self._wake_due()

    async def pass_time(self, seconds: float) -> None:
        """Move time on, and return once every task whose sleep that ended has run on to
        its next sleep (or its end): what they do on waking has been done."""
        await asyncio.sleep(0)  # tasks started just now get to their first sleep
        self.now += timedelta(seconds=seconds)
        woken = self._wake_due()
        for task in woken:
            self._back[task] = asyncio.get_running_loop().create_future()
            task.add_done_callback(self._settle)
        await asyncio.gather(*(self._back[task] for task in woken))

    async def sleep(self, seconds: float) -> None:
        """Sleep on this clock: until `advance` or `pass_time` has moved it on so far."""
        task = asyncio.current_task()
        if task is not None:
            self._settle(task)  # back asleep: as far as pass_time waits
        sleeper = _Sleeper(
            self.now + timedelta(seconds=seconds), asyncio.get_running_loop().create_future(), task
        )
        self._sleepers.append(sleeper)
        try:
            await sleeper.wake
        finally:
            if sleeper in self._sleepers:
                self._sleepers.remove(sleeper)

    def _settle(self, task: asyncio.Task[object]) -> None:
        if task in self._back:
            _resolve(self._back.pop(task))

    def _wake_due(self) -> list[asyncio.Task[object]]:
        due = [sleeper for sleeper in self._sleepers if sleeper.until <= self.now]
        for sleeper in due:
            self._sleepers.remove(sleeper)
            _resolve(sleeper.wake)
        return [sleeper.task for sleeper in due if sleeper.task is not None]


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
