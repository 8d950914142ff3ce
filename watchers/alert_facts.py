"""The facts an alert message shows, gathered once per message for all its alerts.

The rule and whose watch it is come from the alerts' watches, as the turn read them; the
lowest price lately and the chart from collaborators app.py passes in (price history,
chart service), both from no earlier than the owner started watching the product: what
the bot kept before tells nobody whether someone else watched it.
Facts are extras: when one cannot be had, the card goes without it, never the alert.

A product's facts are the same for every alert of one price drop (the same product,
history start, zone and moment seen), so a fan-out looks them up once per drop: they are
kept for `RECENT_SECONDS`, well inside a chart link's lifetime, and the alerts that ask
while the look is under way (a fan-out's first turns all start together) wait for it
instead of each making its own.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Final, Mapping, Sequence

from domain.alert_facts import LOW_WINDOW_DAYS, AlertFacts, LowestPrice
from domain.alerts import Alert
from domain.clock import Clock
from domain.history import PricePoint, history_start
from domain.rules import is_price
from domain.watches import Watch

logger = logging.getLogger(__name__)

RECENT_SECONDS: Final = 60
"""How long a drop's product facts are used again without a second look."""
RECENT_LIMIT: Final = 4096
"""Kept drops at most; more (a poll dropping that many products at once) start afresh."""


LowsSince = Callable[[Sequence[str], datetime], Awaitable[Mapping[str, PricePoint]]]
"""Each product's lowest price since a moment (`store.history.lows_since`)."""
ChartUrl = Callable[[str, str, str | None, datetime | None], Awaitable[str | None]]
"""A public URL of a product's current history chart, given the product, its currency,
the zone its axis reads in (None: unknown, UTC) and the moment it starts at the earliest
(`ChartService.url_for`)."""
AlertFactsSource = Callable[
    [Sequence[Alert], Mapping[int, Watch], str | None], Awaitable[Mapping[int, AlertFacts]]
]
"""The facts of a message's alerts, by alert id, given their watches by id, for a reader
in that zone."""


@dataclass(frozen=True)
class _Drop:
    """What a product's facts depend on, as one alert of one drop sees them."""

    product_id: str
    currency: str
    started: datetime | None
    """Where its owner's history of it starts (`history_start`)."""
    seen_at: datetime
    zone: str | None


@dataclass(frozen=True)
class _ProductFacts:
    low: LowestPrice | None
    chart_url: str | None


class AlertFactsProvider:
    def __init__(self, clock: Clock, lows_since: LowsSince, chart_url: ChartUrl) -> None:
        self._clock = clock
        self._lows_since = lows_since
        self._chart_url = chart_url
        self._recent: dict[_Drop, tuple[datetime, _ProductFacts]] = {}
        self._looking: dict[_Drop, asyncio.Future[dict[_Drop, _ProductFacts]]] = {}

    async def __call__(
        self, alerts: Sequence[Alert], watches: Mapping[int, Watch], zone: str | None
    ) -> dict[int, AlertFacts]:
        """Facts by alert id; alerts of one message share an owner (and `zone`, the zone
        their reader's chart axis reads in); `watches` has those of them that still exist."""
        if not alerts:
            return {}
        theirs = [watches[alert.watch_id] for alert in alerts if alert.watch_id in watches]
        drops = {
            alert.id: _Drop(
                alert.product_id,
                alert.currency,
                history_start(theirs, alert.product_id),
                alert.seen_at,
                zone,
            )
            for alert in alerts
        }
        products = await self._product_facts(list(dict.fromkeys(drops.values())))
        facts: dict[int, AlertFacts] = {}
        for alert in alerts:
            watch = watches.get(alert.watch_id)
            product = products.get(drops[alert.id], _ProductFacts(None, None))
            facts[alert.id] = AlertFacts(
                rule=None if watch is None else watch.rule,
                low=product.low,
                chart_url=product.chart_url,
                owner_id="" if watch is None else watch.user_id,
                owner_name=None if watch is None else watch.owner_name,
                watch_version=0 if watch is None else watch.user_version,
            )
        return facts

    async def _product_facts(self, drops: Sequence[_Drop]) -> dict[_Drop, _ProductFacts]:
        """Each drop's product facts: kept ones, those being looked up already when
        they come, the rest looked up now."""
        now = self._clock()
        known = {
            drop: kept[1]
            for drop in drops
            if (kept := self._recent.get(drop)) is not None and kept[0] > now
        }
        missing = [drop for drop in drops if drop not in known]
        if not missing:
            return known
        if fresh := [drop for drop in missing if drop not in self._looking]:
            look = asyncio.ensure_future(self._look_up(fresh, now))
            self._looking.update(dict.fromkeys(fresh, look))
            look.add_done_callback(lambda _: self._forget_looks(fresh, look))
        looks = dict.fromkeys(self._looking[drop] for drop in missing)
        # Shielded: a turn cancelled while it waits leaves the look to the others.
        for found in await asyncio.gather(*(asyncio.shield(look) for look in looks)):
            known.update(found)
        return {drop: known[drop] for drop in drops}

    def _forget_looks(
        self, drops: Sequence[_Drop], look: asyncio.Future[dict[_Drop, _ProductFacts]]
    ) -> None:
        for drop in drops:
            if self._looking.get(drop) is look:
                del self._looking[drop]

    async def _look_up(self, missing: Sequence[_Drop], now: datetime) -> dict[_Drop, _ProductFacts]:
        """The drops' product facts, looked up (and kept when both answers came, so a
        failed look is tried again by the next alert)."""
        known: dict[_Drop, _ProductFacts] = {}
        (lows, lows_ok), (charts, charts_ok) = await asyncio.gather(
            self._lows(missing, now), self._charts(missing)
        )
        if len(self._recent) >= RECENT_LIMIT:
            self._recent.clear()
        keep_until = now + timedelta(seconds=RECENT_SECONDS)
        for drop in missing:
            known[drop] = _ProductFacts(lows.get(drop.product_id), charts.get(drop))
            if lows_ok and charts_ok.get(drop, False):
                self._recent[drop] = (keep_until, known[drop])
        return known

    async def _lows(
        self, drops: Sequence[_Drop], now: datetime
    ) -> tuple[dict[str, LowestPrice], bool]:
        """The lowest price of each product in the window, from its watch's start; and
        whether the history answered."""
        window = now - timedelta(days=LOW_WINDOW_DAYS)
        by_since: dict[datetime, set[str]] = {}
        for drop in drops:
            by_since.setdefault(max(window, drop.started or window), set()).add(drop.product_id)
        try:
            found = await asyncio.gather(
                *(self._lows_since(sorted(ids), since) for since, ids in by_since.items())
            )
        except Exception:
            logger.exception("alert facts: no price history; cards go without the low")
            return {}, False
        lows = {
            product_id: LowestPrice(point.price, point.at)
            for points in found
            for product_id, point in points.items()
            if point.price is not None and is_price(point.price)
        }
        return lows, True

    async def _charts(self, drops: Sequence[_Drop]) -> tuple[dict[_Drop, str], dict[_Drop, bool]]:
        """Each drop's chart URL (none yet: no history), and whether it was had."""
        urls = await asyncio.gather(
            *(
                self._chart_url(drop.product_id, drop.currency, drop.zone, drop.started)
                for drop in drops
            ),
            return_exceptions=True,
        )
        charts: dict[_Drop, str] = {}
        answered: dict[_Drop, bool] = {}
        for drop, url in zip(drops, urls):
            answered[drop] = not isinstance(url, BaseException)
            if isinstance(url, BaseException):
                logger.error("alert facts: no chart for %s", drop.product_id, exc_info=url)
            elif url:
                charts[drop] = url
        return charts, answered
