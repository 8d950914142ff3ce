import random
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from mockfeed import Market, add_feed_routes, default_catalog

TOKEN = "s3cret-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@asynccontextmanager
async def feed_client(
    prefix: str = "/feed", serve_stats: bool = False
) -> AsyncIterator[tuple[TestClient, Market]]:
    market = Market(default_catalog(), random.Random(0))
    app = web.Application()
    add_feed_routes(app, market, TOKEN, prefix=prefix, serve_stats=serve_stats)
    async with TestClient(TestServer(app)) as client:
        yield client, market


async def assert_error(response: Any, status: int, reason_part: str = "") -> None:
    assert response.status == status
    assert response.content_type == "application/json"
    body = await response.json()
    assert set(body) == {"error"}
    assert reason_part.lower() in body["error"].lower()


# --- GET /feed/products ---


@pytest.mark.asyncio
async def test_products_lists_the_catalog_with_prices_in_cents() -> None:
    async with feed_client() as (client, market):
        market.set_price("p-300", None)
        response = await client.get("/feed/products")
        text = await response.text()
        body = await response.json()

    assert response.status == 200
    assert response.content_type == "application/json"
    assert '"price": 449.00' in text
    assert body["products"][0] == {
        "id": "p-100",
        "name": "Noise-cancelling headphones",
        "price": 199.99,
        "currency": "USD",
    }
    assert body["products"][2]["price"] is None
    assert len(body["products"]) == len(default_catalog())


@pytest.mark.asyncio
async def test_routes_can_live_under_another_prefix() -> None:
    async with feed_client(prefix="/mock/") as (client, _):
        assert (await client.get("/mock/products")).status == 200
        assert (await client.get("/feed/products")).status == 404


# --- GET /feed/prices ---


@pytest.mark.asyncio
async def test_prices_answers_known_ids_only() -> None:
    async with feed_client() as (client, market):
        market.set_price("p-400", None)
        response = await client.get("/feed/prices", params={"ids": "p-200, p-999,p-400,,p-200"})
        text = await response.text()

    assert response.status == 200
    assert text == '{"prices": {"p-200": 449.00, "p-400": null}}'


@pytest.mark.asyncio
async def test_prices_without_ids_is_a_bad_request() -> None:
    async with feed_client() as (client, _):
        await assert_error(await client.get("/feed/prices"), 400, "ids")


@pytest.mark.asyncio
async def test_prices_with_empty_ids_is_empty() -> None:
    async with feed_client() as (client, _):
        response = await client.get("/feed/prices", params={"ids": ""})
        assert await response.json() == {"prices": {}}


@pytest.mark.asyncio
async def test_prices_accepts_1000_ids_but_not_1001() -> None:
    async with feed_client() as (client, _):
        ok = await client.get("/feed/prices", params={"ids": ",".join(["p-100"] * 1000)})
        too_many = await client.get("/feed/prices", params={"ids": ",".join(["p-100"] * 1001)})

        assert ok.status == 200
        await assert_error(too_many, 400, "1000")


# --- GET /feed/stats ---


@pytest.mark.asyncio
async def test_stats_count_the_price_requests_that_asked_for_each_known_product() -> None:
    async with feed_client(serve_stats=True) as (client, _):
        before = await (await client.get("/feed/stats")).json()
        await client.get("/feed/prices", params={"ids": "p-100,p-200,p-100"})
        await client.get("/feed/prices", params={"ids": "p-100,p-999"})
        await client.get("/feed/products")
        after = await (await client.get("/feed/stats")).json()

    assert before == {"price_requests": {}}
    assert after == {"price_requests": {"p-100": 2, "p-200": 1}}, "made-up ids are not counted"


@pytest.mark.asyncio
async def test_stats_are_served_only_when_asked_for() -> None:
    async with feed_client() as (client, _):
        assert (await client.get("/feed/stats")).status == 404


# --- PUT /feed/products/{id} ---


@pytest.mark.asyncio
async def test_admin_sets_a_price() -> None:
    async with feed_client() as (client, market):
        response = await client.put("/feed/products/p-100", json={"price": 149.99}, headers=ADMIN)
        body = await response.json()

    assert response.status == 200
    assert body == {
        "id": "p-100",
        "name": "Noise-cancelling headphones",
        "price": 149.99,
        "currency": "USD",
    }
    assert market.prices(["p-100"]) == {"p-100": Decimal("149.99")}


@pytest.mark.asyncio
async def test_admin_makes_a_product_unavailable() -> None:
    async with feed_client() as (client, market):
        response = await client.put(
            "/feed/products/p-100",
            data='{"price": null}',
            headers={**ADMIN, "Content-Type": "application/json; charset=utf-8"},
        )

        assert response.status == 200
        assert (await response.json())["price"] is None
        assert market.prices(["p-100"]) == {"p-100": None}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
        {"Authorization": "Bearer "},
        {"Authorization": f"Bearer {TOKEN}x"},
    ],
)
async def test_set_price_needs_the_admin_token(headers: dict[str, str]) -> None:
    async with feed_client() as (client, market):
        response = await client.put("/feed/products/p-100", json={"price": 1.00}, headers=headers)

        await assert_error(response, 401, "token")
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert market.prices(["p-100"]) == {"p-100": Decimal("199.99")}


@pytest.mark.asyncio
async def test_set_price_of_unknown_product_is_not_found() -> None:
    async with feed_client() as (client, _):
        response = await client.put("/feed/products/p-999", json={"price": 1.00}, headers=ADMIN)
        await assert_error(response, 404, "p-999")


@pytest.mark.asyncio
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_set_price_wants_json(content_type: str) -> None:
    async with feed_client() as (client, _):
        response = await client.put(
            "/feed/products/p-100",
            data='{"price": 1.00}',
            headers={**ADMIN, "Content-Type": content_type},
        )
        await assert_error(response, 415, "application/json")


@pytest.mark.asyncio
async def test_set_price_refuses_a_large_body() -> None:
    body = '{"price": 1.00, "padding": "%s"}' % ("x" * 70_000)
    async with feed_client() as (client, _):
        response = await client.put(
            "/feed/products/p-100",
            data=body,
            headers={**ADMIN, "Content-Type": "application/json"},
        )
        await assert_error(response, 413, "bytes")


@pytest.mark.asyncio
async def test_set_price_refuses_a_large_chunked_body() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"price": 1.00, "padding": "'
        for _ in range(70):
            yield b"x" * 1024
        yield b'"}'

    async with feed_client() as (client, market):
        response = await client.put(
            "/feed/products/p-100",
            data=chunks(),
            headers={**ADMIN, "Content-Type": "application/json"},
        )
        await assert_error(response, 413, "bytes")
        assert market.prices(["p-100"]) == {"p-100": Decimal("199.99")}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "not valid JSON"),
        ("", "not valid JSON"),
        ("[149.99]", "JSON object"),
        ('"149.99"', "JSON object"),
        ("{}", "JSON object"),
        ('{"cost": 149.99}', "JSON object"),
        ('{"price": 0}', "positive number"),
        ('{"price": -1.50}', "positive number"),
        ('{"price": "149.99"}', "positive number"),
        ('{"price": true}', "positive number"),
        ('{"price": {}}', "positive number"),
        ('{"price": NaN}', "positive number"),
        ('{"price": Infinity}', "positive number"),
        ('{"price": 1000000.01}', "at most 1000000"),
        ('{"price": 1e300}', "at most 1000000"),
        ('{"price": 1.005}', "whole cents"),
    ],
)
async def test_set_price_refuses_bad_bodies(body: str, reason: str) -> None:
    async with feed_client() as (client, market):
        response = await client.put(
            "/feed/products/p-100",
            data=body.encode(),
            headers={**ADMIN, "Content-Type": "application/json"},
        )

        await assert_error(response, 400, reason)
        assert market.prices(["p-100"]) == {"p-100": Decimal("199.99")}


@pytest.mark.asyncio
async def test_set_price_accepts_the_maximum() -> None:
    async with feed_client() as (client, market):
        response = await client.put(
            "/feed/products/p-100", json={"price": 1_000_000}, headers=ADMIN
        )

        assert response.status == 200
        assert market.prices(["p-100"]) == {"p-100": Decimal("1000000.00")}


def test_an_empty_admin_token_is_refused() -> None:
    market = Market(default_catalog(), random.Random(0))
    with pytest.raises(ValueError, match="admin_token"):
        add_feed_routes(web.Application(), market, "")
