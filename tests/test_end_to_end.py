"""The real aiohttp app on loopback, the real SDK adapter, a stand-in channel."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from aiohttp import ClientSession, web

from app import ENGINE, create_app
from settings import Settings
from tests.support.channel import StandInChannel

ADMIN = {"Authorization": "Bearer test-admin-token"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RunningApp:
    def __init__(self, runner: web.AppRunner, base: str, session: ClientSession) -> None:
        self.runner = runner
        self.base = base
        self.http = session

    @property
    def app(self) -> web.Application:
        return self.runner.app

    async def post_activity(self, activity: dict[str, Any]) -> int:
        async with self.http.post(f"{self.base}/api/messages", json=activity) as response:
            return response.status


@pytest.fixture
async def channel() -> AsyncIterator[StandInChannel]:
    channel = StandInChannel()
    await channel.start()
    yield channel
    await channel.stop()


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[RunningApp]:
    port = free_port()
    settings = Settings.from_env(
        {
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
            "ADMIN_TOKEN": "test-admin-token",
            "MOCK_FEED_DRIFT": "false",
        }
    )
    runner = web.AppRunner(create_app(settings, run_scheduler=False))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with ClientSession() as session:
        yield RunningApp(runner, f"http://127.0.0.1:{port}", session)
    await runner.cleanup()


def activity(channel: StandInChannel, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "channelId": "emulator",
        "serviceUrl": channel.url,
        "conversation": {"id": "conv-e2e"},
        "from": {"id": "user-1", "name": "User"},
        "recipient": {"id": "bot", "name": "PriceWatch"},
        **fields,
    }


async def test_a_watch_made_by_chat_alerts_once_after_a_forced_drop(
    running: RunningApp, channel: StandInChannel
) -> None:
    async with running.http.get(f"{running.base}/healthz") as response:
        assert response.status == 200

    update = activity(channel, "conversationUpdate", membersAdded=[{"id": "user-1"}])
    assert await running.post_activity(update) in (200, 201)
    assert "I'm PriceWatch" in channel.texts("conv-e2e")[0]

    message = activity(channel, "message", id="m1", text="watch headphones 20%")
    assert await running.post_activity(message) in (200, 201)
    assert "I'll tell you when it is $159.99 or less" in channel.texts()[-1]
    assert channel.posted[-1].reply_to == "m1"

    async with running.http.put(
        f"{running.base}/feed/products/p-100", json={"price": 149.99}, headers=ADMIN
    ) as response:
        assert response.status == 200

    before = len(channel.posted)
    async with running.http.get(f"{running.base}/api/notify", headers=ADMIN) as response:
        assert response.status == 200
        report = await response.json()
    assert report["poll"]["alerts"] == 1
    alerts = channel.posted[before:]
    assert len(alerts) == 1
    assert "Price drop" in alerts[0].text and "$149.99" in alerts[0].text
    assert alerts[0].reply_to is None, "a proactive message is posted, not a reply"

    await running.app[ENGINE].poll_and_deliver()
    assert len(channel.posted) == before + 1, "no second alert while the price stays low"


async def test_notify_needs_the_admin_token(running: RunningApp) -> None:
    async with running.http.get(f"{running.base}/api/notify") as response:
        assert response.status == 401
    async with running.http.get(
        f"{running.base}/api/notify", headers={"Authorization": "Bearer wrong"}
    ) as response:
        assert response.status == 401
