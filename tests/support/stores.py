"""Stores for tests: the SQLite store, and wrappers that yield to the loop at every call.

Correctness must not rest on a store call never suspending (SQLite on the loop's thread
never does; a network database always does). The wrappers make every call a point
where other coroutines run: `yielding` gives the loop up before and after each call,
`jittery` sleeps up to 2 ms there instead, in a seeded random order.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from pathlib import Path
from typing import Any, Awaitable, Callable, Final

from state.sqlite import SqliteStore

Pause = Callable[[], Awaitable[None]]

KINDS: Final = ("sqlite", "sqlite-yielding", "sqlite-jittery")
"""Every store a suite marked `store_variants` runs over."""


class _Pausing:
    """One aggregate whose coroutine methods pause before and after they run."""

    def __init__(self, inner: object, pause: Pause) -> None:
        self._inner = inner
        self._pause = pause

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        async def paused(*args: Any, **kwargs: Any) -> Any:
            await self._pause()
            try:
                return await attribute(*args, **kwargs)
            finally:
                await self._pause()

        return paused


class PausingStore:
    """A SqliteStore whose every call is a suspension point."""

    def __init__(self, inner: SqliteStore, pause: Pause) -> None:
        self.inner = inner
        self.references = _Pausing(inner.references, pause)
        self.watches = _Pausing(inner.watches, pause)
        self.outbox = _Pausing(inner.outbox, pause)
        self.bot_state = _Pausing(inner.bot_state, pause)
        self.locks = inner.locks
        self._database = _Pausing(inner, pause)

    @property
    def path(self) -> Path:
        return self.inner.path

    async def open(self) -> None:
        await self._database.open()

    async def close(self) -> None:
        await self._database.close()

    async def checkpoint(self) -> None:
        await self._database.checkpoint()

    async def ping(self) -> None:
        await self._database.ping()


def make_store(kind: str, path: Path) -> Any:
    """An unopened store of this kind on this file."""
    sqlite = SqliteStore(path)
    if kind == "sqlite":
        return sqlite
    if kind == "sqlite-yielding":
        return PausingStore(sqlite, lambda: asyncio.sleep(0))
    if kind == "sqlite-jittery":
        rng = random.Random(path.name)
        return PausingStore(sqlite, lambda: asyncio.sleep(rng.random() * 0.002))
    raise ValueError(f"unknown store kind {kind!r}")
