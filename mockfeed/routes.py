"""HTTP face of the mock feed: the feed protocol, an admin price override, and (opt-in)
how often each product's price was asked for."""

from __future__ import annotations

import hmac
import json
import logging
from collections import Counter
from decimal import Decimal
from typing import Any

from aiohttp import web

from mockfeed.catalog import Product
from mockfeed.market import CENT, Market

logger = logging.getLogger(__name__)

MAX_IDS = 1000
MAX_BODY_BYTES = 64 * 1024
MAX_PRICE = Decimal(1_000_000)


def add_feed_routes(
    app: web.Application,
    market: Market,
    admin_token: str,
    prefix: str = "/feed",
    *,
    serve_stats: bool = False,
) -> None:
    """Serve `market` under `prefix`: GET products, GET prices, PUT products/{id}; with
    `serve_stats`, GET stats too: {"price_requests": {"p-100": n, ...}}, how many price
    requests asked for each product (a feed shared by a fleet shows how often it polls)."""
    if not admin_token:
        raise ValueError("admin_token must not be empty")
    handlers = _FeedHandlers(market, admin_token)
    prefix = prefix.rstrip("/")
    app.router.add_get(f"{prefix}/products", handlers.products)
    app.router.add_get(f"{prefix}/prices", handlers.prices)
    app.router.add_put(f"{prefix}/products/{{id}}", handlers.set_price)
    if serve_stats:
        app.router.add_get(f"{prefix}/stats", handlers.stats)


class _FeedHandlers:
    def __init__(self, market: Market, admin_token: str) -> None:
        self._market = market
        self._admin_token = admin_token
        # Only ids the market knows: a count per product, however many ids are made up.
        self._price_requests: Counter[str] = Counter()

    async def products(self, request: web.Request) -> web.Response:
        return _json({"products": [_product_json(p) for p in self._market.products()]})

    async def prices(self, request: web.Request) -> web.Response:
        raw_ids = request.query.get("ids")
        if raw_ids is None:
            return _error(400, "query parameter 'ids' is required, e.g. ?ids=p-100,p-200")
        ids = [part.strip() for part in raw_ids.split(",") if part.strip()]
        if len(ids) > MAX_IDS:
            return _error(400, f"at most {MAX_IDS} ids per request, got {len(ids)}")
        prices = self._market.prices(ids)
        self._price_requests.update(prices.keys())
        return _json({"prices": prices})

    async def stats(self, request: web.Request) -> web.Response:
        return _json({"price_requests": dict(sorted(self._price_requests.items()))})

    async def set_price(self, request: web.Request) -> web.Response:
        if not _is_admin(request, self._admin_token):
            return _json(
                {"error": "missing or wrong admin token"},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if request.content_type != "application/json":
            return _error(415, "Content-Type must be application/json")
        raw = await _read_at_most(request, MAX_BODY_BYTES)
        if raw is None:
            return _error(413, f"body must be at most {MAX_BODY_BYTES} bytes")
        try:
            body = json.loads(raw, parse_float=Decimal, parse_constant=Decimal)
        except ValueError:
            return _error(400, "body is not valid JSON")
        if not isinstance(body, dict) or "price" not in body:
            return _error(400, 'body must be a JSON object like {"price": 149.99}')
        try:
            price = _admin_price(body["price"])
        except ValueError as exc:
            return _error(400, str(exc))
        product_id = request.match_info["id"]
        try:
            product = self._market.set_price(product_id, price)
        except KeyError:
            return _error(404, f"no product with id {product_id!r}")
        logger.info("mock feed: price of %s set to %s by admin", product_id, price)
        return _json(_product_json(product))


def _admin_price(value: object) -> Decimal | None:
    shown = repr(value)[:40]
    if value is None:
        return None
    # bool is a subclass of int, so it has to be turned away by name.
    price = None if isinstance(value, bool) else _number(value)
    if price is None or not price.is_finite() or price <= 0:
        raise ValueError(
            f"price must be a positive number, at most {MAX_PRICE}, or null, got {shown}"
        )
    if price > MAX_PRICE:
        raise ValueError(f"price must be at most {MAX_PRICE}, got {shown}")
    if price != price.quantize(CENT):
        raise ValueError(f"price must be in whole cents, got {shown}")
    return price


def _number(value: object) -> Decimal | None:
    return Decimal(str(value)) if isinstance(value, (int, Decimal)) else None


def _is_admin(request: web.Request, admin_token: str) -> bool:
    """`Authorization: Bearer <admin_token>`, compared in constant time."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(
        token.strip().encode("utf-8", "replace"), admin_token.encode("utf-8", "replace")
    )


async def _read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The body, or None when it is longer than `limit` (declared or actual)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    while chunk := await request.content.read(limit + 1 - len(body)):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _product_json(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "name": product.name,
        "price": product.price,
        "currency": product.currency,
    }


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=_dumps(value), status=status, content_type="application/json", headers=headers
    )


def _error(status: int, reason: str) -> web.Response:
    return _json({"error": reason}, status=status)


def _dumps(value: Any) -> str:
    """json.dumps, except a Decimal is written as its exact number (449.00, not 449.0)."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dict):
        items = (f"{json.dumps(str(key))}: {_dumps(item)}" for key, item in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dumps(item) for item in value) + "]"
    return json.dumps(value)
