"""The real aiohttp app on loopback, the real SDK adapter, a stand-in channel."""

from __future__ import annotations

from pathlib import Path
from typing import AsyncIterator

import pytest

from tests.support.channel import StandInChannel
from tests.support.running import RunningApp, activity, running_app


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
