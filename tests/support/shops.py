"""Stand-in shops on loopback under names of their own (shop-a.test, ...), for tests."""

from __future__ import annotations

import socket
from contextlib import asynccontextmanager
from typing import AsyncIterator

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bench.shop import StandInShop
from shops.fetcher import FetchTerms, PoliteFetcher

USER_AGENT = "PriceWatchBot/1.0 (+https://pricewatch.example/bot)"


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
