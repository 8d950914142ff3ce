"""GET /api/charts/{token}.png through the real app: the PNG, or 404 with a reason."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from pathlib import Path
from typing import AsyncIterator

import pytest
from aiohttp import ClientSession
from PIL import Image

from charts.service import CHART_LIFETIME
from tests.support.channel import StandInChannel
from tests.support.clock import FakeClock
from tests.support.running import RunningApp, running_app, watch


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[RunningApp, FakeClock]]:
    clock = FakeClock()
    async with running_app(tmp_path, {"PUBLIC_URL": "https://bot.example"}, clock=clock) as app:
        yield app, clock


async def chart_url(app: RunningApp, channel: StandInChannel) -> str:
    await watch(app, channel, "conv-chart")
    await app.engine.poll()
    url = await app.engine.charts.url_for("p-100", currency="USD")
    assert url is not None and url.startswith("https://bot.example/api/charts/")
    return url.replace("https://bot.example", app.base)


async def test_a_chart_is_served_as_a_cacheable_png(
    running: tuple[RunningApp, FakeClock], channel: StandInChannel
) -> None:
    app, _ = running
    url = await chart_url(app, channel)
    async with app.http.get(url) as response:
        assert response.status == 200
        assert response.content_type == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        cache = response.headers["Cache-Control"]
        assert "immutable" in cache and f"max-age={int(CHART_LIFETIME.total_seconds())}" in cache
        png = await response.read()
    assert Image.open(io.BytesIO(png)).size == (1200, 600)


@pytest.mark.parametrize(
    "path",
    [
        "/api/charts/" + "A" * 32 + ".png",  # the right shape, unknown
        "/api/charts/short.png",
        "/api/charts/" + "A" * 32,  # no .png
        "/api/charts/" + "A" * 31 + "%27.png",
        "/api/charts/" + "A" * 200 + ".png",
    ],
)
async def test_an_unknown_or_malformed_token_is_404(
    running: tuple[RunningApp, FakeClock], path: str
) -> None:
    app, _ = running
    async with app.http.get(app.base + path) as response:
        assert response.status == 404
        assert "no such chart" in (await response.json())["error"]


async def test_an_expired_chart_is_404(
    running: tuple[RunningApp, FakeClock], channel: StandInChannel
) -> None:
    app, clock = running
    url = await chart_url(app, channel)
    clock.advance((CHART_LIFETIME + timedelta(seconds=1)).total_seconds())
    async with app.http.get(url) as response:
        assert response.status == 404
        assert "expired" in (await response.json())["error"]


async def test_the_access_log_never_prints_a_chart_token(
    running: tuple[RunningApp, FakeClock],
    channel: StandInChannel,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, _ = running
    url = await chart_url(app, channel)
    token = url.rsplit("/", 1)[1].removesuffix(".png")
    # A new connection: aiohttp decides whether to log as it opens one.
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        async with ClientSession() as http:
            async with http.get(url, headers={"Referer": url}) as response:
                assert response.status == 200
            async with http.get(url.replace(token, "B" * 32)) as response:
                assert response.status == 404
                assert response.headers["X-Content-Type-Options"] == "nosniff"
    lines = [record.getMessage() for record in caplog.records if record.name == "aiohttp.access"]
    assert len(lines) == 2 and all("GET /api/charts/<token> HTTP/1.1" in line for line in lines)
    assert not any(token in line or "B" * 32 in line for line in lines)
