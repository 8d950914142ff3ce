"""`python -m mockfeed`: the mock feed as its own process, one market for a fleet."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer

from bench.processes import Process, free_port
from mockfeed import Market, default_catalog
from mockfeed.__main__ import build

TOKEN = "feed-admin-token"


async def test_the_standalone_feed_serves_the_feed_routes_and_counts_price_requests(
    tmp_path: Path,
) -> None:
    port = free_port()
    feed = Process(
        "mockfeed",
        ["-m", "mockfeed", "--port", str(port), "--admin-token", TOKEN, "--no-drift"],
        {},
        tmp_path,
    )
    base = f"http://127.0.0.1:{port}/feed"
    try:
        async with ClientSession() as http:
            await feed.wait_http(http, f"{base}/products")
            async with http.get(f"{base}/products") as response:
                products = (await response.json())["products"]
            async with http.put(f"{base}/products/p-100", json={"price": 149.99}) as refused:
                assert refused.status == 401
            async with http.put(
                f"{base}/products/p-100",
                json={"price": 149.99},
                headers={"Authorization": f"Bearer {TOKEN}"},
            ) as response:
                assert response.status == 200
            async with http.get(f"{base}/prices", params={"ids": "p-100,p-200"}) as response:
                prices = await response.json()
            async with http.get(f"{base}/stats") as response:
                stats = await response.json()
    finally:
        feed.stop()

    assert len(products) == len(default_catalog())
    assert prices == {"prices": {"p-100": 149.99, "p-200": 449.0}}
    assert stats == {"price_requests": {"p-100": 1, "p-200": 1}}
    assert feed.popen.returncode == 0, feed.log.read_text()


async def test_prices_drift_on_their_own_unless_told_not_to() -> None:
    still, drifting = (Market(default_catalog(), random.Random(0)) for _ in range(2))
    start = {product.id: product.price for product in still.products()}
    async with (
        TestClient(TestServer(build(still, TOKEN, drift_every_seconds=None))),
        TestClient(TestServer(build(drifting, TOKEN, drift_every_seconds=0.01))),
    ):
        deadline = asyncio.get_running_loop().time() + 5
        while all(drifting.prices([pid])[pid] == price for pid, price in start.items()):
            assert asyncio.get_running_loop().time() < deadline, "the prices never drifted"
            await asyncio.sleep(0.01)
        assert {p.id: p.price for p in still.products()} == start
