"""Recording "sent" for the turns that finish together, in one write.

A fan-out's turns end a few at a time (each as its channel answers), and each recorded
its message as sent with a write and a commit of its own: on SQLite a commit a turn was
about a tenth of an alert's CPU. A turn still waits until its own message is recorded,
as before (nothing it does afterwards, nor its turn lock's release, comes sooner), but
the turns whose answers arrived in the same pass of the event loop share one write.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Sequence

from domain.alerts import SentMessage

Write = Callable[[Sequence[SentMessage]], Awaitable[None]]
"""`OutboxStore.mark_sent`."""


class SentMarks:
    def __init__(self, write: Write) -> None:
        self._write = write
        self._waiting: list[tuple[SentMessage, asyncio.Future[None]]] = []
        self._writing: set[asyncio.Task[None]] = set()

    async def record(self, message: SentMessage) -> None:
        """Recorded once this returns; raises what the write raised."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._flush)  # after every turn ready in this pass has come
        self._waiting.append((message, done))
        await done

    def _flush(self) -> None:
        waiting, self._waiting = self._waiting, []
        task = asyncio.ensure_future(self._record_all(waiting))
        self._writing.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._writing.discard)

    async def _record_all(self, waiting: list[tuple[SentMessage, asyncio.Future[None]]]) -> None:
        unsettled = [done for _, done in waiting]
        try:
            await self._write([message for message, _ in waiting])
        except asyncio.CancelledError:
            for done in unsettled:
                done.cancel()
            raise
        except Exception as error:  # each turn hears it, as from a write of its own
            for done in unsettled:
                if not done.done():
                    done.set_exception(error)
            return
        for done in unsettled:
            if not done.done():  # its turn may have been cancelled meanwhile
                done.set_result(None)
