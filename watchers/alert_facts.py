"""The facts an alert message shows, gathered once per message for all its alerts.

The rule and whose watch it is come from the conversation's watches (one query); the
lowest price lately and the chart from collaborators app.py passes in (price history,
chart service).
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
from domain.history import PricePoint
from domain.rules import is_price
from domain.watches import Watch

logger = logging.getLogger(__name__)


WatchesOf = Callable[[str], Awaitable[Sequence[Watch]]]
"""A conversation's watches (`Watchlist.of`)."""
LowsSince = Callable[[Sequence[str], datetime], Awaitable[Mapping[str, PricePoint]]]
"""Each product's lowest price since a moment (`store.history.lows_since`)."""
ChartUrl = Callable[[str, str, str | None], Awaitable[str | None]]
"""A public URL of a product's current history chart, given the product, its currency
and the zone its axis reads in (None: unknown, UTC) (`ChartService.url_for`)."""
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
        product_ids = list(currencies)
        watches, lows, charts = await asyncio.gather(
            self._watches(alerts[0].conversation_key),
            self._lows(product_ids),
            self._charts(currencies, zone),
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
            )
        return facts

    async def _watches(self, conversation_key: str) -> dict[int, Watch]:
        try:
            return {watch.id: watch for watch in await self._watches_of(conversation_key)}
        except Exception:
            logger.exception("alert facts: no watches for %s; no rules shown", conversation_key)
            return {}

    async def _lows(self, product_ids: list[str]) -> dict[str, LowestPrice]:
        since = self._clock() - timedelta(days=LOW_WINDOW_DAYS)
        try:
            points = await self._lows_since(product_ids, since)
        except Exception:
            logger.exception("alert facts: no price history; cards go without the low")
            return {}
        return {
            product_id: LowestPrice(point.price, point.at)
            for product_id, point in points.items()
            if point.price is not None and is_price(point.price)
        }

    async def _charts(self, currencies: dict[str, str], zone: str | None) -> dict[str, str]:
        urls = await asyncio.gather(
            *(self._chart_url(pid, currency, zone) for pid, currency in currencies.items()),
            return_exceptions=True,
        )
        charts: dict[str, str] = {}
        for product_id, url in zip(currencies, urls):
            if isinstance(url, BaseException):
                logger.error("alert facts: no chart for %s", product_id, exc_info=url)
            elif url:
                charts[product_id] = url
        return charts
