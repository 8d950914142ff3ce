"""Turning a checked JSON body into the SDK's Activity without holding the event loop.

A small body is decoded where it stands: msrest takes a few milliseconds at most. A big
one (still within api.activity_shape's limits) can take a few hundred: many values cost
per value, and a long string in a date field costs per byte (a 900 KB timestamp took
60 ms to refuse). It goes to one thread of its own, where the loop keeps getting the GIL
every few milliseconds. When more big bodies wait than that thread can get through
soon, the next one is refused.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Final

from botbuilder.schema import Activity
from msrest.serialization import Deserializer

INLINE_VALUES: Final = 500
INLINE_BYTES: Final = 64 * 1024
"""Within both, decoding (and finding a bad field) takes under ~15 ms."""
MAX_WAITING: Final = 8
FIELDS: Final = tuple(spec["key"] for spec in Activity._attribute_map.values())


class MalformedActivity(ValueError):
    """msrest refused a field; the message names the first one it refuses."""


class DecoderBusy(RuntimeError):
    """Too many big activities are waiting to be decoded."""


_ACTIVITIES: Final = Deserializer(Activity._infer_class_models())
"""`Activity.deserialize`'s reader, made once: it makes one a call, which refers to itself
(its own methods in its own dicts), so each was left for the garbage collector with the
turn's activity. It keeps no state between calls, so threads can share it."""


def decode(body: dict[str, object]) -> Activity:
    try:
        activity: Activity = _ACTIVITIES("Activity", body)
        return activity
    except Exception:  # msrest raises several kinds; any of them means bad input
        raise MalformedActivity(_why_refused(body)) from None


def _why_refused(body: dict[str, object]) -> str:
    """Only the fields msrest knows can be refused (it keeps the others as they are),
    so each of those is tried alone: at most one more decode of the whole body."""
    for field in FIELDS:
        if field in body:
            try:
                _ACTIVITIES("Activity", {field: body[field]})
            except Exception:
                return f"the activity's {field} has the wrong type or format"
    return "the activity's fields have the wrong types or formats"


class ActivityDecoder:
    def __init__(
        self,
        inline_values: int = INLINE_VALUES,
        inline_bytes: int = INLINE_BYTES,
        max_waiting: int = MAX_WAITING,
        thread: Executor | None = None,
    ) -> None:
        self._inline_values = inline_values
        self._inline_bytes = inline_bytes
        self._max_waiting = max_waiting
        self._waiting = 0
        self._thread = thread or ThreadPoolExecutor(1, thread_name_prefix="decode")

    async def decode(self, body: dict[str, object], values: int, size: int) -> Activity:
        """The activity in `body`: `values` JSON values (activity_shape), `size` bytes."""
        if values <= self._inline_values and size <= self._inline_bytes:
            return decode(body)
        if self._waiting >= self._max_waiting:
            raise DecoderBusy()
        self._waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, decode, body)
        finally:
            self._waiting -= 1

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)
