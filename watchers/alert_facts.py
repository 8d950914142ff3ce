"""The facts an alert message shows, gathered once per message for all its alerts.

The rule and whose watch it is come from the conversation's watches (one query); the
lowest price lately and the chart from collaborators app.py passes in (price history,
chart service), both from no earlier than the conversation started watching the product:
what the bot kept before tells nobody whether someone else watched it.
Facts are extras: when one cannot be had, the card goes without it, never the alert.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Mapping, Sequence

from domain.alert_facts import LOW_WINDOW_DAYS, AlertFacts, LowestPrice
from domain.alerts import Alert
from domain.clock import Clock
from domain.history import PricePoint, history_start
from domain.rules import is_price
from domain.watches import Watch

logger = logging.getLogger(__name__)


WatchesOf = Callable[[str], Awaitable[Sequence[Watch]]]
"""A conversation's watches (`Watchlist.of`)."""
LowsSince = Callable[[Sequence[str], datetime], Awaitable[Mapping[str, PricePoint]]]
"""Each product's lowest price since a moment (`store.history.lows_since`)."""
ChartUrl = Callable[[str, str, str | None, datetime | None], Awaitable[str | None]]
"""A public URL of a product's current history chart, given the product, its currency,
the zone its axis reads in (None: unknown, UTC) and the moment it starts at the earliest
(`ChartService.url_for`)."""
AlertFactsSource = Callable[[Sequence[Alert], str | None], Awaitable[Mapping[int, AlertFacts]]]
"""The facts of a message's alerts, by alert id, for a reader in that zone."""


class AlertFactsProvider:
    def __init__(
        self,
        watches_of: WatchesOf,
        clock: Clock,
        lows_since: LowsSince,
        chart_url: ChartUrl,
    ) -> None:
        self._watches_of = watches_of
        self._clock = clock
        self._lows_since = lows_since
        self._chart_url = chart_url

    async def __call__(self, alerts: Sequence[Alert], zone: str | None) -> dict[int, AlertFacts]:
        """Facts by alert id; alerts of one message share a conversation (and `zone`,
        the zone its reader's chart axis reads in)."""
        if not alerts:
            return {}
        currencies = {alert.product_id: alert.currency for alert in alerts}
        watches = await self._watches(alerts[0].conversation_key)
        since = {pid: history_start(watches.values(), pid) for pid in currencies}
        lows, charts = await asyncio.gather(
            self._lows(since), self._charts(currencies, zone, since)
        )
        facts: dict[int, AlertFacts] = {}
        for alert in alerts:
            watch = watches.get(alert.watch_id)
            facts[alert.id] = AlertFacts(
                rule=None if watch is None else watch.rule,
                low=lows.get(alert.product_id),
                chart_url=charts.get(alert.product_id),
                owner_id="" if watch is None else watch.user_id,
                owner_name=None if watch is None else watch.owner_name,
                watch_version=0 if watch is None else watch.user_version,
            )
        return facts

    async def _watches(self, conversation_key: str) -> dict[int, Watch]:
        try:
            return {watch.id: watch for watch in await self._watches_of(conversation_key)}
        except Exception:
            logger.exception("alert facts: no watches for %s; no rules shown", conversation_key)
            return {}

    async def _lows(self, watched_since: Mapping[str, datetime | None]) -> dict[str, LowestPrice]:
        """The lowest price of each product in the window, from its watch's start."""
        window = self._clock() - timedelta(days=LOW_WINDOW_DAYS)
        by_since: dict[datetime, list[str]] = {}
        for product_id, started in watched_since.items():
            by_since.setdefault(max(window, started or window), []).append(product_id)
        try:
            found = await asyncio.gather(
                *(self._lows_since(ids, since) for since, ids in by_since.items())
            )
        except Exception:
            logger.exception("alert facts: no price history; cards go without the low")
            return {}
        return {
            product_id: LowestPrice(point.price, point.at)
            for points in found
            for product_id, point in points.items()
            if point.price is not None and is_price(point.price)
        }

    async def _charts(
        self,
        currencies: dict[str, str],
        zone: str | None,
        watched_since: Mapping[str, datetime | None],
    ) -> dict[str, str]:
        urls = await asyncio.gather(
            *(
                self._chart_url(pid, currency, zone, watched_since.get(pid))
                for pid, currency in currencies.items()
            ),
            return_exceptions=True,
        )
        charts: dict[str, str] = {}
        for product_id, url in zip(currencies, urls):
            if isinstance(url, BaseException):
                logger.error("alert facts: no chart for %s", product_id, exc_info=url)
            elif url:
                charts[product_id] = url
        return charts
