"""A stand-in price feed with a large generated catalog, as its own process.

    python -m bench.feed --port 4300 --products 10000

Serves the feed protocol (the app's own mock feed routes) plus, for the benchmark only,
POST /bench/drop?percent=1&round=0 which halves the price of that share of the products
(each round a different share).
"""

from __future__ import annotations

import argparse
import random
from decimal import Decimal

from aiohttp import web

from mockfeed import Market, add_feed_routes
from mockfeed.catalog import Product

BENCH_TOKEN = "bench-feed-token"


def catalog(count: int) -> list[Product]:
    rng = random.Random(count)
    return [
        Product(
            f"p-{n:05d}",
            f"Product {n}",
            Decimal(rng.randrange(1_000, 100_000)) / 100,
            "USD",
        )
        for n in range(count)
    ]


def build(products: int) -> web.Application:
    market = Market(catalog(products), random.Random(0), sale_chance_percent=0)
    app = web.Application()
    add_feed_routes(app, market, BENCH_TOKEN, prefix="")

    async def drop(request: web.Request) -> web.Response:
        share = float(request.query.get("percent", "1")) / 100
        offset = int(request.query.get("round", "0"))  # each round drops other products
        step = round(1 / share)
        dropped = [p for n, p in enumerate(market.products()) if n % step == offset % step]
        for product in dropped:
            assert product.price is not None
            market.set_price(product.id, (product.price / 2).quantize(Decimal("0.01")))
        return web.json_response({"dropped": [product.id for product in dropped]})

    app.router.add_post("/bench/drop", drop)
    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--products", type=int, default=10_000)
    args = parser.parse_args()
    web.run_app(build(args.products), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
