"""Stand-in price feeds over the mock market: one for tests below the HTTP layer, and one
over HTTP whose answers a test can hold."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import AsyncIterator, Sequence

from aiohttp import web
from aiohttp.test_utils import TestServer
from aiohttp.typedefs import Handler

from domain.products import Product
from feed.client import FeedError, PriceBatch
from mockfeed import Market, add_feed_routes


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


class HeldFeed:
    """The mock feed over HTTP on a free loopback port, whose price requests can be held
    (a feed that takes as long as a test likes); counts how many are in flight at once."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self.requests = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self._open = asyncio.Event()
        self._open.set()
        self._arrived = asyncio.Condition()
        self._server: TestServer | None = None

    async def start(self) -> None:
        app = web.Application(middlewares=[self._hold_prices])
        add_feed_routes(app, self.market, admin_token="held-feed-admin-token")
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def stop(self) -> None:
        self.release()  # a test that failed midway must not hang the server's close
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("/feed"))

    def hold(self) -> None:
        """Price requests from now on wait until `release`."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def requested(self, count: int) -> None:
        """Once `count` price requests have arrived in all."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: self.requests >= count)

    @web.middleware
    async def _hold_prices(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.endswith("/prices"):
            return await handler(request)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            async with self._arrived:
                self.requests += 1
                self._arrived.notify_all()
            await self._open.wait()
            return await handler(request)
        finally:
            self.in_flight -= 1
