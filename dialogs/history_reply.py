"""`history headphones [30d]`: a product's price chart with its min / average / max.

The product is looked for among the conversation's watches first (as `remove` does, by
the words of its name), then in the feed's catalog. The answer is an Adaptive Card 1.5
(the chart as an Image, the figures as a FactSet) with the same figures as plain text,
for clients that show no cards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

from charts.service import ChartService
from dialogs import texts
from dialogs.commands.history import HistoryCommand
from dialogs.remove_dialog import watches_named
from dialogs.texts import FEED_DOWN, money
from domain.clock import Clock
from domain.history import HistorySummary, summarize
from feed.catalog import Catalog
from feed.client import FeedError
from state.interfaces import PriceHistoryStore
from watchers.watchlist import Watchlist

logger = logging.getLogger(__name__)

DEFAULT_DAYS: Final = 90
SAY_WHICH: Final = 'Which product? Say "history headphones" (or "history headphones 30d").'


@dataclass(frozen=True)
class _Named:
    id: str
    name: str
    currency: str


class HistoryReplies:
    def __init__(
        self,
        watchlist: Watchlist,
        catalog: Catalog,
        history: PriceHistoryStore,
        charts: ChartService,
        clock: Clock,
    ) -> None:
        self._watchlist = watchlist
        self._catalog = catalog
        self._history = history
        self._charts = charts
        self._clock = clock

    async def reply(self, conversation_key: str, command: HistoryCommand) -> Activity | str:
        if not command.query:
            return SAY_WHICH
        found = await self._find(conversation_key, command.query)
        if isinstance(found, str):
            return found
        days = command.days or DEFAULT_DAYS
        now = self._clock()
        start = now - timedelta(days=days)
        summary = summarize(await self._history.since(found.id, start), start, now)
        if summary is None:
            return (
                f"I have no price history for {found.name} yet: I keep one from the first"
                " time anyone watches it, a point each time its price changes."
            )
        try:
            url = await self._charts.url_for(found.id, currency=found.currency)
        except Exception:
            logger.exception("could not make the history chart of %s", found.id)
            url = None
        return _answer(found, summary, days, now, url)

    async def _find(self, conversation_key: str, query: str) -> _Named | str:
        watched = {
            watch.product_id: _Named(watch.product_id, watch.product_name, watch.currency)
            for watch in watches_named(await self._watchlist.of(conversation_key), query)
        }
        if len(watched) == 1:
            return next(iter(watched.values()))
        if len(watched) > 1:
            return _which(query, list(watched.values()))
        try:
            products = await self._catalog.find(query)
        except FeedError:
            return FEED_DOWN
        if not products:
            return f'{texts.no_product_matches(query)} Say "watch" to see the products I know.'
        if len(products) > 1:
            return _which(query, [_Named(p.id, p.name, p.currency) for p in products])
        return _Named(products[0].id, products[0].name, products[0].currency)


def _which(query: str, products: list[_Named]) -> str:
    names = ", ".join(texts.md(p.name) for p in products[:5])
    more = ", …" if len(products) > 5 else ""
    return (
        f"{texts.several_products_match(query)} Which one: {names}{more}?"
        " Say a few more words of its name."
    )


def _answer(
    product: _Named, summary: HistorySummary, days: int, now: datetime, url: str | None
) -> Activity:
    def shown(amount: Decimal | None) -> str:
        return "unavailable" if amount is None else money(amount, product.currency)

    if summary.start <= now - timedelta(days=days):
        period = f"the last {days} days"
    else:  # the history is younger than the period asked for
        period = f"since {_day(summary.start)} (when I started keeping it)"
    facts = [
        ("Now", shown(summary.current)),
        ("Lowest", f"{shown(summary.low.price)} ({_day(summary.low.at)})"),
        ("Average", shown(summary.average)),
        ("Highest", f"{shown(summary.high.price)} ({_day(summary.high.at)})"),
    ]
    text = "\n".join(
        [
            f"**{texts.md(product.name)}**, {period}:",
            "",
            *(f"- {title}: {value}" for title, value in facts),
        ]
    )
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": product.name,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
        {"type": "TextBlock", "text": f"Price, {period}", "isSubtle": True, "wrap": True},
    ]
    if url is not None:  # without it (the chart failed), the figures still answer
        body.append(
            {
                "type": "Image",
                "url": url,
                "altText": f"Price chart of {product.name}",
                "size": "Stretch",
            }
        )
    body.append({"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in facts]})
    card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "fallbackText": text,
        "body": body,
    }
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card), text=text)
    # The one line a channel with cards shows (and a notification): plain words, whole.
    activity.summary = (
        f"{texts.md(product.name)}, {period}: now {shown(summary.current)}, lowest"
        f" {shown(summary.low.price)}, average {shown(summary.average)}, highest"
        f" {shown(summary.high.price)}."
    )
    return activity


def _day(moment: datetime) -> str:
    return f"{moment:%b} {moment.day}"
