"""Chart links: the public URL of a product's history chart, rendered at most once per
version of its history, days and zone, off the event loop, and stored in the database
so any instance of a fleet can serve it.

A chart's version is its history's (charts/periods.py: the product's latest point and
the day it is drawn on), the days it shows and the zone its axis reads in: a poll that
changes the price makes a new version; a thousand alerts for one product in one poll
share one render and one URL per zone; an unchanged price is redrawn once a day, so the
chart's end stays today. It is drawn from the period as the database sums it up (a few
hundred points at most), never from every point.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from concurrent.futures import Executor
from datetime import datetime, timedelta
from typing import Callable, Final, Sequence

from charts.periods import HistoryPeriods, Period
from charts.render import render_chart
from domain.clock import Clock
from domain.history import PricePoint
from domain.local_times import zone_label
from state.interfaces import ChartStore, PriceHistoryStore, StoredChart

logger = logging.getLogger(__name__)

CHART_DAYS: Final = 90
CHART_LIFETIME: Final = timedelta(days=30)
"""How long a chart's URL works: alerts are read within days; a month is plenty."""
TOKEN_BYTES: Final = 24
"""secrets.token_urlsafe(24): 32 characters, 192 random bits."""
CHART_PATH: Final = "/api/charts/"

Renderer = Callable[[Sequence[PricePoint], datetime, str | None, timedelta, str | None], bytes]


class ChartService:
    def __init__(
        self,
        history: PriceHistoryStore,
        charts: ChartStore,
        clock: Clock,
        public_url: str,
        *,
        periods: HistoryPeriods | None = None,
        render: Renderer = render_chart,
        executor: Executor | None = None,
        lifetime: timedelta = CHART_LIFETIME,
    ) -> None:
        self._periods = periods or HistoryPeriods(history, clock)
        self._charts = charts
        self._clock = clock
        self._base = public_url.rstrip("/")
        self._render = render
        self._executor = executor
        self._lifetime = lifetime
        self._in_flight: dict[tuple[str, str], asyncio.Task[StoredChart]] = {}

    @property
    def periods(self) -> HistoryPeriods:
        """The history periods its charts are drawn from (`history` reads the same)."""
        return self._periods

    def url(self, token: str) -> str:
        return f"{self._base}{CHART_PATH}{token}.png"

    async def url_for(
        self,
        product_id: str,
        *,
        currency: str | None = None,
        days: int = CHART_DAYS,
        zone: str | None = None,
        not_before: datetime | None = None,
    ) -> str | None:
        """The URL of the product's chart of its last `days` (from `not_before` if that
        is later), its axis in `zone` (None: UTC, said); rendered if missing. None when
        it has no history yet. Callers asking at once for one chart await one render."""
        period = await self._periods.last(product_id, days, not_before=not_before)
        if period is None:
            return None
        clip = (
            ""
            if period.history.start <= period.history.end - timedelta(days=days)
            else (f"|from {period.history.start.timestamp():.0f}")
        )
        version = f"{period.version}|{days}d|{zone_label(zone)}{clip}"
        now = self._clock()
        chart = await self._charts.find(product_id, version, now)
        if chart is None:
            chart = await self._single_flight(product_id, version, currency, period, zone)
        if chart.expires_at - now < self._lifetime / 2:
            # Shared by a new alert: its link should last as long as a fresh one.
            await self._charts.extend(chart.token, now + self._lifetime)
        return self.url(chart.token)

    async def _single_flight(
        self, product_id: str, version: str, currency: str | None, period: Period, zone: str | None
    ) -> StoredChart:
        key = (product_id, version)
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._make(product_id, version, currency, period, zone))
            self._in_flight[key] = task
            task.add_done_callback(lambda _: self._in_flight.pop(key, None))
        return await asyncio.shield(task)

    async def _make(
        self, product_id: str, version: str, currency: str | None, period: Period, zone: str | None
    ) -> StoredChart:
        now = self._clock()
        # A render that finished (and left the in-flight table) after our caller looked
        # has stored its chart: use it.
        stored = await self._charts.find(product_id, version, now)
        if stored is not None:
            return stored
        history = period.history
        png = await asyncio.get_running_loop().run_in_executor(
            self._executor,
            self._render,
            history.points,
            history.end,
            currency,
            history.end - history.start,
            zone,
        )
        chart = StoredChart(
            token=secrets.token_urlsafe(TOKEN_BYTES),
            product_id=product_id,
            version=version,
            png=png,
            expires_at=now + self._lifetime,
        )
        # Another instance may have stored this version first: then its token is used.
        stored = await self._charts.put(chart, now)
        logger.debug("chart of %s rendered (%d bytes)", product_id, len(png))
        return stored

    async def chart(self, token: str) -> StoredChart | None:
        """The chart with this token, None when it is unknown or has expired."""
        return await self._charts.by_token(token, self._clock())
