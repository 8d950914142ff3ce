"""The JSON error middleware: aiohttp's own errors and unexpected ones, as {"error": ...}."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from api.errors import json_errors


async def crash(request: web.Request) -> web.Response:
    raise RuntimeError("detail only the log may see")


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound("/elsewhere")


async def client_for() -> TestClient:
    app = web.Application(middlewares=[json_errors])
    app.router.add_get("/crash", crash)
    app.router.add_get("/redirect", redirect)
    return TestClient(TestServer(app))


async def test_an_unexpected_error_is_a_json_500_and_the_detail_goes_to_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with await client_for() as client:
        response = await client.get("/crash")
        body = await response.text()

    assert response.status == 500
    assert response.content_type == "application/json"
    assert await response.json() == {"error": "internal error"}
    assert "detail" not in body and "Traceback" not in body
    [record] = [r for r in caplog.records if r.name == "api.errors"]
    assert record.levelno == logging.ERROR and "GET /crash" in record.getMessage()
    assert record.exc_info is not None and "detail only the log" in str(record.exc_info[1])


async def test_a_redirect_is_not_an_error() -> None:
    async with await client_for() as client:
        response = await client.get("/redirect", allow_redirects=False)

    assert response.status == 302
    assert response.headers["Location"] == "/elsewhere"


async def test_aiohttp_errors_keep_their_status_and_headers() -> None:
    async with await client_for() as client:
        missing = await client.get("/nope")
        wrong_method = await client.delete("/crash")

        assert (missing.status, await missing.json()) == (404, {"error": "not found"})
        assert wrong_method.status == 405
        assert await wrong_method.json() == {"error": "method not allowed"}
        assert "GET" in wrong_method.headers["Allow"]
