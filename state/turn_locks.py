"""Turn locks and job leases within one process: a keyed asyncio lock per conversation.

Enough for a store only one process uses (SQLite); a store shared by several processes
brings locks that span them (a lease row, an advisory lock) behind the same interface.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import AsyncIterator


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0
    """Holders and waiters: the entry is dropped when none are left."""


class LocalTurnLocks:
    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    @asynccontextmanager
    async def hold(self, conversation_key: str, wait_seconds: float) -> AsyncIterator[bool]:
        entry = self._entries.setdefault(conversation_key, _Entry())
        entry.users += 1
        try:
            acquired = await _acquire(entry.lock, wait_seconds)
            try:
                yield acquired
            finally:
                if acquired:
                    entry.lock.release()
        finally:
            entry.users -= 1
            if not entry.users:
                del self._entries[conversation_key]

    def busy(self) -> int:
        """Conversations with a turn running or waiting."""
        return len(self._entries)


async def _acquire(lock: asyncio.Lock, wait_seconds: float) -> bool:
    if not lock.locked():
        await lock.acquire()  # free: returns at once, without giving up the loop
        return True
    if wait_seconds <= 0:
        return False
    try:
        await asyncio.wait_for(lock.acquire(), wait_seconds)
    except TimeoutError:
        return False
    return True


class LocalJobLeases:
    """Job leases for a store only one process uses: that process always holds them."""

    async def take(self, job: str, holder: str, seconds: float) -> bool:
        return True

    async def renew(self, job: str, holder: str, seconds: float) -> bool:
        return True
