"""Stand-in shops on loopback under names of their own (shop-a.test, ...), for tests."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from aiohttp import web

from bench.shop import NamesToLoopback, StandInShop
from shops.fetcher import FetchTerms, PoliteFetcher

__all__ = ["NamesToLoopback", "RunningShop", "fetcher", "running_shop"]

USER_AGENT = "PriceWatchBot/1.0 (+https://pricewatch.example/bot)"


class RunningShop:
    def __init__(self, shop: StandInShop, port: int) -> None:
        self.shop = shop
        self.port = port

    def url(self, path: str, host: str = "shop-a.test") -> str:
        return f"http://{host}:{self.port}{path}"


@asynccontextmanager
async def running_shop(shop: StandInShop | None = None) -> AsyncIterator[RunningShop]:
    shop = shop or StandInShop()
    runner = web.AppRunner(shop.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield RunningShop(shop, port)
    finally:
        await runner.cleanup()


def fetcher(
    *,
    min_interval: float = 0.05,
    allowed: frozenset[str] = frozenset({"shop-a.test", "shop-b.test"}),
    timeout: float = 5.0,
    max_bytes: int = 3 * 1024 * 1024,
) -> PoliteFetcher:
    return PoliteFetcher(
        FetchTerms(
            USER_AGENT,
            min_interval_seconds=min_interval,
            allowed_hosts=allowed,
            max_bytes=max_bytes,
            timeout_seconds=timeout,
        ),
        resolver=NamesToLoopback(),
    )
