import asyncio
import logging
import random
import socket
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from domain.products import Product
from feed.client import FeedError, HttpPriceFeed
from mockfeed import Market, add_feed_routes, default_catalog


@asynccontextmanager
async def feed_for(
    app: web.Application, path: str = "/", **options: Any
) -> AsyncIterator[HttpPriceFeed]:
    async with TestServer(app) as server, aiohttp.ClientSession() as session:
        yield HttpPriceFeed(session, str(server.make_url(path)), **options)


def answering(path: str, text: str, status: int = 200) -> web.Application:
    """A stand-in feed that gives the same answer to every GET of `path`."""

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=text, status=status, content_type="application/json")

    app = web.Application()
    app.router.add_get(path, handler)
    return app


def echoing_prices(asked: list[list[str]]) -> web.Application:
    """A stand-in feed that prices every asked id at 1.00 and records each request."""

    async def handler(request: web.Request) -> web.Response:
        ids = request.query["ids"].split(",")
        asked.append(ids)
        return web.json_response({"prices": {product_id: 1.0 for product_id in ids}})

    app = web.Application()
    app.router.add_get("/prices", handler)
    return app


# --- against the app's own mock feed ---


@pytest.mark.asyncio
async def test_reads_products_and_prices_from_the_mock_feed() -> None:
    market = Market(default_catalog(), random.Random(0))
    app = web.Application()
    add_feed_routes(app, market, admin_token="secret")

    async with feed_for(app, "/feed") as feed:
        assert await feed.products() == [
            Product(listed.id, listed.name, listed.price, listed.currency)
            for listed in default_catalog()
        ]
        market.set_price("p-200", None)
        prices = await feed.prices(["p-100", "p-200", "p-999"])

    assert prices == {"p-100": Decimal("199.99"), "p-200": None}
    assert str(prices["p-100"]) == "199.99"


# --- prices(): values ---


@pytest.mark.asyncio
async def test_prices_are_exact_decimals() -> None:
    app = answering("/prices", '{"prices": {"a": 199.99, "b": 0.1, "c": 20, "d": null}}')

    async with feed_for(app) as feed:
        prices = await feed.prices(["a", "b", "c", "d"])

    assert prices == {"a": Decimal("199.99"), "b": Decimal("0.1"), "c": Decimal(20), "d": None}
    assert str(prices["a"]) == "199.99"


@pytest.mark.asyncio
async def test_a_float_s_leftover_digits_are_kept_exactly() -> None:
    app = answering("/prices", '{"prices": {"a": 19.990000000000002, "b": 999999999999999.99}}')

    async with feed_for(app) as feed:
        prices = await feed.prices(["a", "b"])

    assert prices == {"a": Decimal("19.990000000000002"), "b": Decimal("999999999999999.99")}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "literal",
    ["0", "0.0", "-5", "-0.01", "NaN", "Infinity", "-Infinity"]
    + ['"abc"', '"12.50"', "true", "false", "{}", "[]"]
    # Absurd: a trillion dollars and more, or a billion decimal places (a gigabyte of
    # digits once written out).
    + ["1e15", "1000000000000000", "1e-999999999", "0.000000000000000000001"],
)
async def test_unusable_prices_are_left_out_and_logged(
    literal: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = answering("/prices", '{"prices": {"p-1": %s, "p-2": 5.00}}' % literal)

    with caplog.at_level(logging.WARNING, logger="feed.client"):
        async with feed_for(app) as feed:
            prices = await feed.prices(["p-1", "p-2"])

    assert prices == {"p-2": Decimal("5.00")}
    assert "p-1" in caplog.text


@pytest.mark.asyncio
async def test_logged_bad_value_is_truncated(caplog: pytest.LogCaptureFixture) -> None:
    app = answering("/prices", '{"prices": {"p-1": "%s"}}' % ("x" * 5000))

    with caplog.at_level(logging.WARNING, logger="feed.client"):
        async with feed_for(app) as feed:
            assert await feed.prices(["p-1"]) == {}

    assert "p-1" in caplog.text
    assert len(caplog.records[0].getMessage()) < 200


@pytest.mark.asyncio
async def test_unrequested_ids_are_ignored_and_missing_ids_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = answering("/prices", '{"prices": {"p-1": 3.50, "p-stranger": 1.00}}')

    with caplog.at_level(logging.WARNING, logger="feed.client"):
        async with feed_for(app) as feed:
            prices = await feed.prices(["p-1", "p-2"])

    assert prices == {"p-1": Decimal("3.50")}
    assert "p-stranger" in caplog.text


# --- prices(): batching ---


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("count", "batch_size", "expected_sizes"),
    [(450, 200, [50, 200, 200]), (200, 200, [200]), (5, 200, [5]), (5, 2, [1, 2, 2])],
)
async def test_ids_are_sent_in_batches(
    count: int, batch_size: int, expected_sizes: list[int]
) -> None:
    asked: list[list[str]] = []
    ids = [f"p-{n}" for n in range(count)]

    async with feed_for(echoing_prices(asked), batch_size=batch_size) as feed:
        prices = await feed.prices(ids)

    assert sorted(len(batch) for batch in asked) == expected_sizes
    assert sorted(product_id for batch in asked for product_id in batch) == sorted(ids)
    assert prices == {product_id: Decimal("1.0") for product_id in ids}


@pytest.mark.asyncio
async def test_duplicate_ids_are_asked_once() -> None:
    asked: list[list[str]] = []

    async with feed_for(echoing_prices(asked)) as feed:
        prices = await feed.prices(["a", "b", "a", "a"])

    assert asked == [["a", "b"]]
    assert set(prices) == {"a", "b"}


@pytest.mark.asyncio
async def test_no_ids_means_no_request() -> None:
    asked: list[list[str]] = []

    async with feed_for(echoing_prices(asked)) as feed:
        assert await feed.prices([]) == {}

    assert asked == []


# --- errors ---


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [201, 404, 500, 503])
async def test_http_status_other_than_200_is_a_feed_error(status: int) -> None:
    async with feed_for(answering("/prices", '{"prices": {}}', status=status)) as feed:
        with pytest.raises(FeedError, match=f"HTTP {status}"):
            await feed.prices(["a"])


@pytest.mark.asyncio
async def test_products_http_error_is_a_feed_error() -> None:
    async with feed_for(answering("/products", "oops", status=500)) as feed:
        with pytest.raises(FeedError, match="/products: HTTP 500"):
            await feed.products()


@pytest.mark.asyncio
async def test_error_message_does_not_leak_credentials_in_the_url() -> None:
    app = answering("/prices", "", status=500)
    async with TestServer(app) as server, aiohttp.ClientSession() as session:
        url = server.make_url("/").with_user("admin").with_password("hunter2")
        feed = HttpPriceFeed(session, str(url))
        with pytest.raises(FeedError) as caught:
            await feed.prices(["a"])

    assert "hunter2" not in str(caught.value)


@pytest.mark.asyncio
async def test_slow_feed_times_out() -> None:
    never = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await never.wait()
        return web.Response()

    app = web.Application()
    app.router.add_get("/prices", hang)
    async with feed_for(app, timeout_seconds=0.2) as feed:
        try:
            with pytest.raises(FeedError, match="no answer within 0.2 seconds"):
                await feed.prices(["a"])
        finally:
            # Let the handler return, or the server's shutdown would wait for it.
            never.set()


@pytest.mark.asyncio
async def test_connection_refused_is_a_feed_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port any more.
    async with aiohttp.ClientSession() as session:
        feed = HttpPriceFeed(session, f"http://127.0.0.1:{port}")
        with pytest.raises(FeedError, match="connection failed"):
            await feed.products()


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ['{"prices": {', "not json", "", '{"prices": {"a": 1}} trailing'])
async def test_malformed_json_is_a_feed_error(text: str) -> None:
    async with feed_for(answering("/prices", text)) as feed:
        with pytest.raises(FeedError, match="not valid JSON"):
            await feed.prices(["a"])


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "text", ["[]", '"prices"', "null", "{}", '{"prices": []}', '{"prices": null}', '{"price": {}}']
)
async def test_prices_of_the_wrong_shape_are_a_feed_error(text: str) -> None:
    async with feed_for(answering("/prices", text)) as feed:
        with pytest.raises(FeedError, match="/prices"):
            await feed.prices(["a"])


@pytest.mark.asyncio
@pytest.mark.parametrize("text", ["[]", "{}", '{"products": {}}', '{"products": null}'])
async def test_products_of_the_wrong_shape_are_a_feed_error(text: str) -> None:
    async with feed_for(answering("/products", text)) as feed:
        with pytest.raises(FeedError, match="/products"):
            await feed.products()


# --- products(): entries ---


@pytest.mark.asyncio
async def test_malformed_products_are_skipped(caplog: pytest.LogCaptureFixture) -> None:
    text = """{"products": [
        {"id": "ok-1", "name": "Good", "price": 10.50, "currency": "EUR"},
        {"id": "ok-2", "name": "  No currency or price  "},
        {"id": "ok-3", "name": "Bad price", "price": -1, "currency": "usd"},
        {"id": "ok-4", "name": "Null price", "price": null, "currency": "USD"},
        {"id": "ok-1", "name": "Duplicate", "price": 1.00},
        "not an object",
        {"name": "No id"},
        {"id": 7, "name": "Number id"},
        {"id": "", "name": "Empty id"},
        {"id": "bad-1"},
        {"id": "bad-2", "name": "   "},
        {"id": "bad-3", "name": "Bad currency", "currency": "dollars"},
        {"id": "bad-4", "name": "Bad currency", "currency": 840}
    ]}"""

    with caplog.at_level(logging.WARNING, logger="feed.client"):
        async with feed_for(answering("/products", text)) as feed:
            products = await feed.products()

    assert products == [
        Product(id="ok-1", name="Good", price=Decimal("10.50"), currency="EUR"),
        Product(id="ok-2", name="No currency or price", price=None, currency="USD"),
        Product(id="ok-3", name="Bad price", price=None, currency="USD"),
        Product(id="ok-4", name="Null price", price=None, currency="USD"),
    ]
    assert len(caplog.records) == 10


# --- size ---

CAP = 64 * 1024


def sized(text: str, size: int) -> bytes:
    """`text` (JSON) padded with spaces to exactly `size` bytes."""
    return text.encode().ljust(size)


def sending(path: str, body: bytes, chunked: bool) -> web.Application:
    """A stand-in feed that answers `path` with `body`, with a Content-Length or chunked."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if not chunked:
            return web.Response(body=body, content_type="application/json")
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 10_000):
            await response.write(body[start : start + 10_000])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get(path, handler)
    return app


@pytest.mark.asyncio
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_response_of_exactly_the_cap_is_read(chunked: bool) -> None:
    body = sized('{"prices": {"a": 1.5}}', CAP)
    async with feed_for(sending("/prices", body, chunked), max_bytes=CAP) as feed:
        assert await feed.prices(["a"]) == {"a": Decimal("1.5")}


@pytest.mark.asyncio
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", ["/prices", "/products"])
async def test_a_response_over_the_cap_is_a_feed_error(chunked: bool, path: str) -> None:
    body = sized('{"prices": {"a": 1.5}, "products": []}', CAP + 1)
    async with feed_for(sending(path, body, chunked), max_bytes=CAP) as feed:
        with pytest.raises(FeedError, match=f"^price feed {path}: response over {CAP} bytes$"):
            await (feed.prices(["a"]) if path == "/prices" else feed.products())


@pytest.mark.asyncio
async def test_a_huge_streamed_response_is_cut_off_at_the_cap_not_read_to_its_end() -> None:
    huge = 256 * 1024 * 1024
    chunk = b" " * (64 * 1024)
    sent = 0
    handler_done = asyncio.Event()

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            await response.write(b'{"prices": {"a": 1.5}')
            while sent < huge:
                await response.write(chunk)
                sent += len(chunk)
        except ConnectionError:
            pass  # the client hung up: what this test wants
        finally:
            handler_done.set()
        return response

    app = web.Application()
    app.router.add_get("/prices", endless)
    async with feed_for(app, max_bytes=1024 * 1024) as feed, asyncio.timeout(30):
        with pytest.raises(FeedError, match="/prices: response over 1048576 bytes"):
            await feed.prices(["a"])
        await handler_done.wait()
    assert sent < 32 * 1024 * 1024, f"the client read on: {sent} bytes sent"


def test_options_are_checked() -> None:
    session: Any = object()
    with pytest.raises(ValueError, match="batch_size"):
        HttpPriceFeed(session, "http://feed", batch_size=0)
    with pytest.raises(ValueError, match="timeout_seconds"):
        HttpPriceFeed(session, "http://feed", timeout_seconds=0)
    with pytest.raises(ValueError, match="max_bytes"):
        HttpPriceFeed(session, "http://feed", max_bytes=0)
