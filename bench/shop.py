"""A stand-in shop: product pages modelled on real shops' markup (bench/shop_pages.py),
served on loopback, with what real shops also do to bots: a robots.txt, ETags and 304s,
a 403 bot wall, a 200 captcha page, 429 with Retry-After, a redirect to a private
address, a slow page and a huge one. It records every request it gets (path, headers,
when it started and ended) so a test or the benchmark can check how the bot behaved.

Prices can be changed while it runs (`StandInShop.set_price`), as a sale would.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import socket
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Final

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bench import shop_pages

ROBOTS: Final = "User-agent: *\nDisallow: /private/\n\nUser-agent: BadBot\nDisallow: /\n"


class NamesToLoopback(AbstractResolver):
    """Every name resolves to 127.0.0.1, as a stand-in's DNS: whether the bot may then
    connect is the connector's to decide."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        pass


@dataclass(frozen=True)
class Visit:
    path: str
    headers: dict[str, str]
    started: float
    ended: float
    status: int


@dataclass
class StandInShop:
    """The pages by path; prices of the JSON-LD single-offer pages can be changed."""

    prices: dict[str, str] = field(default_factory=dict)
    """Path of a single-offer page -> its price now (JSON-LD `price`)."""
    visits: list[Visit] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    max_in_flight_per_host: int = 0
    """The most requests one Host (the name asked for) had running at once."""
    clock: Callable[[], float] = time.monotonic
    """What `Visit.started` and `ended` are measured on (the benchmark's simulated time)."""
    slow_seconds: float = 3.0
    robots: str = ROBOTS
    retry_after: str = "120"
    private_target: str = "http://10.1.2.3/admin"

    def set_price(self, path: str, price: str) -> None:
        self.prices[path] = price

    def single_offer(self, path: str, name: str = "Acme kettle") -> None:
        """Serve a JSON-LD single-offer page at `path` (`/item/...`), 49.99 EUR to start."""
        self.prices.setdefault(path, "49.99")
        self._names[path] = name

    def visits_to(self, path: str) -> list[Visit]:
        return [visit for visit in self.visits if visit.path == path]

    def __post_init__(self) -> None:
        self._names: dict[str, str] = {}
        self._per_host: dict[str, int] = defaultdict(int)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        fixed = {
            "/p/single": shop_pages.SINGLE_OFFER,
            "/p/aggregate": shop_pages.AGGREGATE_OFFER,
            "/p/graph": shop_pages.GRAPH,
            "/p/microdata": shop_pages.MICRODATA,
            "/p/og": shop_pages.OPENGRAPH_ONLY,
            "/p/german": shop_pages.GERMAN,
            "/p/variants": shop_pages.VARIANTS,
            "/p/out": shop_pages.OUT_OF_STOCK,
            "/p/nothing": shop_pages.NO_PRICE,
            "/private/p": shop_pages.SINGLE_OFFER,
        }
        for path, html in fixed.items():
            app.router.add_get(path, self._fixed(html))
        app.router.add_get("/robots.txt", self._robots)
        app.router.add_get("/item/{name}", self._item)
        app.router.add_get("/p/wall", self._wall)
        app.router.add_get("/p/captcha", self._captcha)
        app.router.add_get("/p/busy", self._busy)
        app.router.add_get("/p/to-private", self._to_private)
        app.router.add_get("/p/hop/{n}", self._hop)
        app.router.add_get("/p/slow", self._slow)
        app.router.add_get("/p/huge", self._huge)
        app.router.add_get("/p/gzip", self._gzip)
        app.router.add_put("/admin/price", self._set_price)
        return app

    async def _set_price(self, request: web.Request) -> web.Response:
        """PUT /admin/price?path=/item/kettle&price=34.99: the shop changes a price (the
        stand-in's own control, for `make e2e`; it listens on loopback only)."""
        path, price = request.query.get("path", ""), request.query.get("price", "")
        if path not in self.prices or not price:
            raise web.HTTPNotFound()
        self.set_price(path, price)
        return web.json_response({"path": path, "price": price})

    @web.middleware
    async def _record(self, request: web.Request, handler: object) -> web.StreamResponse:
        started = self.clock()
        host = request.headers.get("Host", "")
        self.in_flight += 1
        self._per_host[host] += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.max_in_flight_per_host = max(self.max_in_flight_per_host, self._per_host[host])
        status = 500
        try:
            response = await handler(request)  # type: ignore[operator]
            status = response.status
            return response
        except web.HTTPException as http:
            status = http.status
            raise
        finally:
            self.in_flight -= 1
            self._per_host[host] -= 1
            self.visits.append(
                Visit(request.path, dict(request.headers), started, self.clock(), status)
            )

    def _fixed(self, html: str) -> object:
        async def serve(request: web.Request) -> web.Response:
            return _conditional(request, html)

        return serve

    def item_html(self, path: str) -> str:
        """The page a single-offer item is now."""
        html = shop_pages.SINGLE_OFFER.replace('"49.99"', f'"{self.prices[path]}"').replace(
            "Acme kettle", self._names.get(path, "Acme kettle")
        )
        return html.replace("</head>", f'<link rel="canonical" href="{path}">\n</head>', 1)

    async def _item(self, request: web.Request) -> web.Response:
        if request.path not in self.prices:
            raise web.HTTPNotFound()
        return _conditional(request, self.item_html(request.path))

    async def _robots(self, request: web.Request) -> web.Response:
        return web.Response(text=self.robots)

    async def _wall(self, request: web.Request) -> web.Response:
        return web.Response(status=403, text=shop_pages.BOT_WALL, content_type="text/html")

    async def _captcha(self, request: web.Request) -> web.Response:
        return web.Response(text=shop_pages.BOT_WALL, content_type="text/html")

    async def _busy(self, request: web.Request) -> web.Response:
        return web.Response(status=429, headers={"Retry-After": self.retry_after})

    async def _to_private(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(self.private_target)

    async def _hop(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n == 0:
            return _conditional(request, shop_pages.SINGLE_OFFER)
        raise web.HTTPFound(f"/p/hop/{n - 1}")

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.slow_seconds)
        return _conditional(request, shop_pages.SINGLE_OFFER)

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        chunk = b"<div>" + b"x" * 65_536 + b"</div>"
        try:
            for _ in range(200):  # about 13 MB, streamed without a length
                await response.write(chunk)
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    async def _gzip(self, request: web.Request) -> web.Response:
        body = gzip.compress(shop_pages.GERMAN.encode())
        return web.Response(
            body=body, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"}
        )


def etag_of(html: str) -> str:
    return '"' + hashlib.sha256(html.encode()).hexdigest()[:16] + '"'


def _conditional(request: web.Request, html: str) -> web.Response:
    etag = etag_of(html)
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    return web.Response(text=html, content_type="text/html", headers={"ETag": etag})


def main() -> None:
    """python -m bench.shop --port 4400: the stand-in shop on loopback, with a JSON-LD
    kettle at /item/kettle (49.99 EUR) besides the fixed pages."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    shop = StandInShop()
    shop.single_offer("/item/kettle")
    web.run_app(shop.app(), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
