"""A stand-in price feed over the mock market, for tests below the HTTP layer."""

from __future__ import annotations

from decimal import Decimal
from typing import AsyncIterator, Sequence

from domain.products import Product
from feed.client import FeedError, PriceBatch
from mockfeed import Market


class MarketFeed:
    """Answers like HttpPriceFeed would, without HTTP; can be told to fail."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self.failing = False
        self.omitted: set[str] = set()
        """Products left out of price answers, as a feed's unusable value is."""
        self.price_requests: list[list[str]] = []

    async def products(self) -> list[Product]:
        self._maybe_fail()
        return [
            Product(listed.id, listed.name, listed.price, listed.currency)
            for listed in self.market.products()
        ]

    async def prices(self, ids: Sequence[str]) -> dict[str, Decimal | None]:
        self._maybe_fail()
        self.price_requests.append(list(ids))
        return self.market.prices(
            [product_id for product_id in ids if product_id not in self.omitted]
        )

    async def price_batches(self, ids: Sequence[str]) -> AsyncIterator[PriceBatch]:
        try:
            yield PriceBatch(list(ids), await self.prices(ids))
        except FeedError as error:
            yield PriceBatch(list(ids), {}, error)

    def _maybe_fail(self) -> None:
        if self.failing:
            raise FeedError("stand-in feed told to fail")
