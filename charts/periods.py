"""A product's recent history as `history` and the charts read it: summed up in the
database (`PriceHistoryStore.period`: a few points a slice and the time-weighted
totals), never every point, and kept per (product, history version, days, start).

A version is the product's latest point and the day (charts/service.py's
`chart_version`): a new price makes a new one, and an unchanged price is read again
once a day. Callers asking at once for one key share one read.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from domain.clock import Clock
from domain.history import Downsampled, PricePoint
from state.interfaces import PriceHistoryStore

SLICES: Final = 80
"""Slices of a period: at most 5 points each (first, last, lowest, highest, first
unavailable), so a chart draws at most 400 points."""
KEPT: Final = 256
"""Periods kept, the least recently used going first."""

Key = tuple[str, str, int, datetime | None]


@dataclass(frozen=True)
class Period:
    version: str
    """The history version it was read at (part of a chart's version)."""
    history: Downsampled


def chart_version(latest: PricePoint, now: datetime) -> str:
    price = "unavailable" if latest.price is None else str(latest.price)
    return f"{latest.at.timestamp():.6f}|{price}|{now:%Y-%m-%d}"


class HistoryPeriods:
    def __init__(
        self,
        history: PriceHistoryStore,
        clock: Clock,
        *,
        slices: int = SLICES,
        kept: int = KEPT,
    ) -> None:
        self._history = history
        self._clock = clock
        self._slices = slices
        self._kept = kept
        self._periods: OrderedDict[Key, Period] = OrderedDict()
        self._in_flight: dict[Key, asyncio.Task[Period]] = {}

    async def last(
        self, product_id: str, days: int, *, not_before: datetime | None = None
    ) -> Period | None:
        """The product's last `days` (from `not_before` if that is later), or None when
        it has no history at all."""
        now = self._clock()
        latest = await self._history.latest(product_id)
        if latest is None:
            return None
        start = now - timedelta(days=days)
        clipped = not_before if not_before is not None and not_before > start else None
        key = (product_id, chart_version(latest, now), days, clipped)
        period = self._periods.get(key)
        if period is not None:
            self._periods.move_to_end(key)
            return period
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._read(key, clipped or start, now))
            self._in_flight[key] = task
            task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        return await asyncio.shield(task)

    async def _read(self, key: Key, start: datetime, now: datetime) -> Period:
        history = await self._history.period(key[0], start, now, self._slices)
        period = self._periods[key] = Period(key[1], history)
        while len(self._periods) > self._kept:
            self._periods.popitem(last=False)
        return period
