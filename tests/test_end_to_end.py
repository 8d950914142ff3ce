"""The real aiohttp app on loopback, the real SDK adapter, a stand-in channel."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.support.channel import StandInChannel
from tests.support.running import RunningApp, activity, alerts_received, running_app, watch


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[RunningApp]:
    async with running_app(tmp_path) as app:
        yield app


async def test_a_watch_made_by_chat_alerts_once_after_a_forced_drop(
    running: RunningApp, channel: StandInChannel
) -> None:
    async with running.http.get(f"{running.base}/healthz") as response:
        assert response.status == 200

    update = activity(channel, "conversationUpdate", membersAdded=[{"id": "user-1"}])
    assert await running.post_activity(update) in (200, 201)
    assert "I'm PriceWatch" in channel.texts("conv-e2e")[0]

    assert await running.say(channel, "conv-e2e", "watch headphones 20%", id="m1") in (200, 201)
    assert "I'll tell you when it is $159.99 or less" in channel.texts()[-1]
    assert channel.posted[-1].reply_to == "m1"

    await running.set_price("p-100", 149.99)
    before = len(channel.posted)
    report = await running.notify()
    assert report["poll"]["alerts"] == 1
    alerts = channel.posted[before:]
    assert len(alerts) == 1
    assert "Price drop" in alerts[0].text and "$149.99" in alerts[0].text
    [attachment] = alerts[0].activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["body"][1]["text"] == "$199.99 → $149.99"
    assert [action["title"] for action in card["actions"]] == [
        "Stop watching",
        "Snooze 1 day",
        "Lower my target to $119.99",
    ]
    assert alerts[0].activity["summary"].startswith("📉 Price drop: Noise-cancelling headphones")
    assert alerts[0].reply_to is None, "a proactive message is posted, not a reply"

    await running.engine.poll_and_deliver()
    assert len(channel.posted) == before + 1, "no second alert while the price stays low"


async def test_notify_needs_the_admin_token(running: RunningApp) -> None:
    async with running.http.get(f"{running.base}/api/notify") as response:
        assert response.status == 401
    async with running.http.get(
        f"{running.base}/api/notify", headers={"Authorization": "Bearer wrong"}
    ) as response:
        assert response.status == 401


def has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not has_ipv6_loopback(), reason="this machine has no IPv6 loopback")
async def test_on_an_ipv6_host_the_app_polls_its_own_feed_and_alerts(
    tmp_path: Path, channel: StandInChannel
) -> None:
    async with running_app(tmp_path, env={"HOST": "::1"}) as app:
        assert app.base.startswith("http://[::1]:")
        await watch(app, channel, "conv-v6")
        await app.set_price("p-100", 149.99)

        report = await app.engine.poll()
        assert report.feed_error is None and report.alerts == 1
        await app.engine.deliverer.tick()
    assert len(alerts_received(channel, "conv-v6")) == 1


async def test_a_feed_answer_over_feed_max_bytes_is_a_feed_error_and_alerts_nobody(
    tmp_path: Path, channel: StandInChannel
) -> None:
    price, padding = 199.99, 0

    async def products(request: web.Request) -> web.Response:
        listed = {"id": "p-100", "name": "Noise-cancelling headphones", "price": 199.99}
        return web.json_response({"products": [{**listed, "currency": "USD"}]})

    async def prices(request: web.Request) -> web.Response:
        text = json.dumps({"prices": {"p-100": price}}).ljust(padding)
        return web.Response(text=text, content_type="application/json")

    feed_app = web.Application()
    feed_app.router.add_get("/products", products)
    feed_app.router.add_get("/prices", prices)
    async with TestServer(feed_app, host="127.0.0.1") as feed:
        env = {"PRICE_FEED_URL": str(feed.make_url("/")), "FEED_MAX_BYTES": "1024"}
        async with running_app(tmp_path, env=env) as app:
            await watch(app, channel, "conv-capped")

            price, padding = 149.99, 1025
            report = await app.engine.poll()
            assert report.feed_error == "price feed /prices: response over 1024 bytes"
            assert report.alerts == 0

            padding = 1024
            assert (await app.engine.poll()).alerts == 1, "the same answer, within the cap"
