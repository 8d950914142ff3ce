"""Prices from both sources: the feed's products and shop pages' last readings, behind
the one PriceFeed the poll, the catalog and the watch list read (products are the feed's:
a page becomes a product when someone pastes its link)."""

from __future__ import annotations

from decimal import Decimal
from typing import AsyncIterator, Protocol, Sequence

from domain.pages import is_page_product
from domain.products import Product
from feed.client import PriceBatch, PriceFeed


class PagePrices(Protocol):
    """shops/pages.py's ShopPages: each page's price as last read."""

    async def prices(self, product_ids: Sequence[str]) -> dict[str, Decimal | None]: ...


class Prices:
    def __init__(self, feed: PriceFeed, pages: PagePrices) -> None:
        self._feed = feed
        self._pages = pages

    async def products(self) -> list[Product]:
        return await self._feed.products()

    async def prices(self, ids: Sequence[str]) -> dict[str, Decimal | None]:
        feed_ids, page_ids = _split(ids)
        prices = await self._feed.prices(feed_ids) if feed_ids else {}
        if page_ids:
            prices.update(await self._pages.prices(page_ids))
        return prices

    async def price_batches(self, ids: Sequence[str]) -> AsyncIterator[PriceBatch]:
        """The pages' readings as one batch (never a failure: a page that could not be
        fetched keeps its last reading), then the feed's batches as they come."""
        feed_ids, page_ids = _split(ids)
        if page_ids:
            read = await self._pages.prices(page_ids)
            yield PriceBatch([pid for pid in page_ids if pid in read], read)
        if feed_ids:
            async for batch in self._feed.price_batches(feed_ids):
                yield batch


def _split(ids: Sequence[str]) -> tuple[list[str], list[str]]:
    feed_ids, page_ids = [], []
    for product_id in ids:
        (page_ids if is_page_product(product_id) else feed_ids).append(product_id)
    return feed_ids, page_ids
