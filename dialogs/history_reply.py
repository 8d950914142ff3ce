"""`history headphones [30d]`: a product's price chart with its min / average / max.

The product is looked for among the conversation's watches first (as `remove` does, by
the words of its name), then in the feed's catalog. The answer is an Adaptive Card 1.5
(the chart as an Image, the figures as a FactSet) with the same figures as plain text,
for clients that show no cards.

It tells only what the conversation itself could know: the history of a product it
watches, from when it started watching it. A product it does not watch gets the same
answer whether or not anyone else watches it. The figures come from the database's
summary of the period (charts/periods.py), so a year of points costs the loop nothing;
a conversation asks for at most HISTORY_PER_MINUTE of them a minute.
"""

from __future__ import annotations

import logging
from collections import deque
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
from domain.history import HistorySummary, history_start, summary_of
from domain.local_times import LocalTimes
from feed.catalog import Catalog
from feed.client import FeedError
from watchers.watchlist import Watchlist

logger = logging.getLogger(__name__)

DEFAULT_DAYS: Final = 90
HISTORY_PER_MINUTE: Final = 4
SAY_WHICH: Final = 'Which product? Say "history headphones" (or "history headphones 30d").'
TOO_MANY: Final = "That's a lot of price histories in one minute: give me a moment, then ask again."


@dataclass(frozen=True)
class _Named:
    id: str
    name: str
    currency: str
    watched_since: datetime | None = None
    """When this conversation started watching it; None: it does not watch it."""


class HistoryReplies:
    def __init__(
        self,
        watchlist: Watchlist,
        catalog: Catalog,
        charts: ChartService,
        clock: Clock,
        *,
        per_minute: int = HISTORY_PER_MINUTE,
    ) -> None:
        self._watchlist = watchlist
        self._catalog = catalog
        self._charts = charts
        self._clock = clock
        self._per_minute = per_minute
        self._asked: dict[str, deque[datetime]] = {}

    async def reply(
        self,
        conversation_key: str,
        command: HistoryCommand,
        times: LocalTimes,
        owner: str | None = None,
    ) -> Activity | str:
        """`owner`: a group member, whose watches alone are looked among (`domain.owners`)."""
        if not command.query:
            return SAY_WHICH
        if not self._may_ask(conversation_key):
            return TOO_MANY
        found = await self._find(conversation_key, command.query, owner)
        if isinstance(found, str):
            return found
        if found.watched_since is None:
            return (
                f"I keep the price history of the products you watch, from when you start"
                f' watching them. Say "watch {texts.md(found.name)}" and ask me again in a while.'
            )
        days = command.days or DEFAULT_DAYS
        periods = self._charts.periods
        period = await periods.last(found.id, days, not_before=found.watched_since)
        summary = None if period is None else summary_of(period.history)
        if summary is None:
            return (
                f"I have no price for {texts.md(found.name)} yet: I note one at each price check,"
                " so ask me again in a few minutes."
            )
        try:
            url = await self._charts.url_for(
                found.id,
                currency=found.currency,
                days=days,
                zone=times.zone,
                not_before=found.watched_since,
            )
        except Exception:
            logger.exception("could not make the history chart of %s", found.id)
            url = None
        return _answer(found, summary, days, times, url)

    def _may_ask(self, conversation_key: str) -> bool:
        """At most `per_minute` history requests a conversation in any minute."""
        now = self._clock()
        since = now - timedelta(minutes=1)
        for key in [k for k, asked in self._asked.items() if asked[-1] <= since]:
            del self._asked[key]  # nobody's list grows without bound
        asked = self._asked.setdefault(conversation_key, deque())
        while asked and asked[0] <= since:
            asked.popleft()
        if len(asked) >= self._per_minute:
            return False
        asked.append(now)
        return True

    async def _find(self, conversation_key: str, query: str, owner: str | None) -> _Named | str:
        named = watches_named(await self._watchlist.of(conversation_key, owner), query)
        watched = {
            watch.product_id: _Named(
                watch.product_id,
                watch.product_name,
                watch.currency,
                history_start(named, watch.product_id),
            )
            for watch in named
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
        product = products[0]
        since = history_start(await self._watchlist.of(conversation_key, owner), product.id)
        return _Named(product.id, product.name, product.currency, since)


def _which(query: str, products: list[_Named]) -> str:
    names = ", ".join(texts.md(p.name) for p in products[:5])
    more = ", …" if len(products) > 5 else ""
    return (
        f"{texts.several_products_match(query)} Which one: {names}{more}?"
        " Say a few more words of its name."
    )


def _answer(
    product: _Named, summary: HistorySummary, days: int, times: LocalTimes, url: str | None
) -> Activity:
    def shown(amount: Decimal | None) -> str:
        return "unavailable" if amount is None else money(amount, product.currency)

    if summary.start <= summary.end - timedelta(days=days):
        period = f"the last {days} days"
    else:  # younger than the period asked for: from the watch's start, or its first price
        period = f"since {times.day(summary.start)}"
    facts = [
        ("Now", shown(summary.current)),
        ("Lowest", f"{shown(summary.low.price)} ({times.day(summary.low.at)})"),
        ("Average", shown(summary.average)),
        ("Highest", f"{shown(summary.high.price)} ({times.day(summary.high.at)})"),
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
            "text": texts.md(product.name),
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
