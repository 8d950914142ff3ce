"""Client for the HTTP price feed: the product catalogue and current prices."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, AsyncIterator, Protocol, Sequence

import aiohttp

from domain.pages import is_page_product
from domain.products import Product, parse_price, short
from settings import DEFAULT_FEED_MAX_BYTES

logger = logging.getLogger(__name__)

READ_CHUNK_BYTES = 64 * 1024


class FeedError(Exception):
    """The feed could not be read (HTTP error, timeout, connection error,
    malformed JSON, wrong shape). The message names the problem, never a secret."""


@dataclass(frozen=True)
class PriceBatch:
    """One request's worth of prices, or why that request failed."""

    asked: list[str]
    prices: dict[str, Decimal | None]
    error: FeedError | None = None


class PriceFeed(Protocol):
    async def products(self) -> list[Product]: ...

    async def prices(self, ids: Sequence[str]) -> dict[str, Decimal | None]:
        """Every price at once; raises FeedError if any part could not be read."""

    def price_batches(self, ids: Sequence[str]) -> AsyncIterator[PriceBatch]:
        """The same prices, each batch as soon as it arrives, failures included."""


class HttpPriceFeed:
    """Reads the feed over HTTP; every value is validated here, once."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        timeout_seconds: float = 5.0,
        batch_size: int = 200,
        max_bytes: int = DEFAULT_FEED_MAX_BYTES,
    ) -> None:
        if timeout_seconds <= 0:
            raise ValueError(f"timeout_seconds must be positive, got {timeout_seconds}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1, got {max_bytes}")
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._batch_size = batch_size
        self._max_bytes = max_bytes

    async def products(self) -> list[Product]:
        body = await self._get_object("/products", params=None)
        entries = body.get("products")
        if not isinstance(entries, list):
            raise FeedError("price feed /products: 'products' is missing or not a list")
        products: dict[str, Product] = {}
        for entry in entries:
            product = _parse_product(entry)
            if product is None:
                continue
            if product.id in products:
                logger.warning("price feed listed %s twice; kept the first", short(product.id))
                continue
            products[product.id] = product
        return list(products.values())

    async def prices(self, ids: Sequence[str]) -> dict[str, Decimal | None]:
        merged: dict[str, Decimal | None] = {}
        async for batch in self.price_batches(ids):
            if batch.error is not None:
                raise batch.error
            merged.update(batch.prices)
        return merged

    async def price_batches(self, ids: Sequence[str]) -> AsyncIterator[PriceBatch]:
        unique = list(dict.fromkeys(ids))
        requests = [
            asyncio.ensure_future(self._price_batch(unique[start : start + self._batch_size]))
            for start in range(0, len(unique), self._batch_size)
        ]
        try:
            for answered in asyncio.as_completed(requests):
                yield await answered
        finally:
            for request in requests:
                request.cancel()

    async def _price_batch(self, ids: list[str]) -> PriceBatch:
        try:
            return PriceBatch(ids, await self._fetch_prices(ids))
        except FeedError as error:
            return PriceBatch(ids, {}, error)

    async def _fetch_prices(self, ids: list[str]) -> dict[str, Decimal | None]:
        body = await self._get_object("/prices", params={"ids": ",".join(ids)})
        raw_prices = body.get("prices")
        if not isinstance(raw_prices, dict):
            raise FeedError("price feed /prices: 'prices' is missing or not an object")
        asked = set(ids)
        prices: dict[str, Decimal | None] = {}
        for product_id, value in raw_prices.items():
            if product_id not in asked:
                logger.warning("price feed sent unrequested id %s; ignored", short(product_id))
                continue
            try:
                prices[product_id] = parse_price(value)
            except ValueError:
                logger.warning(
                    "price feed sent an unusable price for %s: %s", product_id, short(value)
                )
        return prices

    async def _get_object(self, path: str, params: dict[str, str] | None) -> dict[str, Any]:
        # Messages name the path only: the base URL may carry credentials.
        try:
            async with self._session.get(
                self._base_url + path, params=params, timeout=self._timeout
            ) as response:
                if response.status != 200:
                    raise FeedError(f"price feed {path}: HTTP {response.status}")
                raw = await self._read_capped(response, path)
        except TimeoutError as exc:
            raise FeedError(
                f"price feed {path}: no answer within {self._timeout.total} seconds"
            ) from exc
        except aiohttp.ClientError as exc:
            raise FeedError(f"price feed {path}: connection failed ({type(exc).__name__})") from exc
        try:
            body = json.loads(raw, parse_float=Decimal, parse_constant=Decimal)
        except ValueError as exc:
            raise FeedError(f"price feed {path}: response is not valid JSON") from exc
        if not isinstance(body, dict):
            raise FeedError(f"price feed {path}: response is not a JSON object")
        return body

    async def _read_capped(self, response: aiohttp.ClientResponse, path: str) -> bytes:
        """The body, read a chunk at a time: one over the cap is refused as soon as it says
        so (Content-Length) or its bytes pass the cap, never held whole in memory."""
        too_big = FeedError(f"price feed {path}: response over {self._max_bytes} bytes")
        if (response.content_length or 0) > self._max_bytes:
            raise too_big
        body = bytearray()
        async for chunk in response.content.iter_chunked(READ_CHUNK_BYTES):
            body += chunk
            if len(body) > self._max_bytes:
                raise too_big
        return bytes(body)


def _parse_product(entry: object) -> Product | None:
    if not isinstance(entry, dict):
        logger.warning("price feed sent a product that is not an object: %s", short(entry))
        return None
    product_id = entry.get("id")
    name = entry.get("name")
    currency = entry.get("currency", "USD")
    if not isinstance(product_id, str) or not product_id.strip():
        logger.warning("price feed sent a product without a usable id: %s", short(entry))
        return None
    if is_page_product(product_id):
        logger.warning("price feed sent product %s, an id kept for shop pages", short(product_id))
        return None
    if not isinstance(name, str) or not name.strip():
        logger.warning("price feed sent product %s without a usable name", short(product_id))
        return None
    if not _is_currency_code(currency):
        logger.warning(
            "price feed sent product %s with currency %s", short(product_id), short(currency)
        )
        return None
    try:
        price = parse_price(entry.get("price"))
    except ValueError:
        logger.warning(
            "price feed sent an unusable price for %s: %s",
            short(product_id),
            short(entry.get("price")),
        )
        price = None
    return Product(id=product_id, name=name.strip(), price=price, currency=currency.upper())


def _is_currency_code(value: object) -> bool:
    return isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha()
