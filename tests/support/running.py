"""The real app on a loopback port, driven over HTTP the way a channel and an operator would."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Mapping

from aiohttp import ClientSession, web

from api.access_log import RedactingAccessLogger
from app import ENGINE, Engine, create_app
from bench.processes import free_port
from settings import Settings, url_host
from tests.support.channel import StandInChannel
from tests.support.stores import make_store

ADMIN_TOKEN = "test-admin-token-0123456789abcdef"  # 32 or more characters, as the app asks
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class RunningApp:
    def __init__(self, runner: web.AppRunner, base: str, http: ClientSession) -> None:
        self.runner = runner
        self.base = base
        self.http = http

    @property
    def engine(self) -> Engine:
        return self.runner.app[ENGINE]

    async def post_activity(self, activity: Mapping[str, Any]) -> int:
        async with self.http.post(f"{self.base}/api/messages", json=activity) as response:
            return response.status

    async def say(
        self, channel: StandInChannel, conversation_id: str, text: str, **fields: Any
    ) -> int:
        return await self.post_activity(
            activity(channel, "message", conversation_id, text=text, **fields)
        )

    async def set_price(self, product_id: str, price: float | None) -> None:
        async with self.http.put(
            f"{self.base}/feed/products/{product_id}", json={"price": price}, headers=ADMIN
        ) as response:
            assert response.status == 200, await response.text()

    async def notify(self) -> dict[str, Any]:
        async with self.http.get(f"{self.base}/api/notify", headers=ADMIN) as response:
            assert response.status == 200, await response.text()
            return dict(await response.json())


async def watch(
    app: RunningApp,
    channel: StandInChannel,
    *conversations: str,
    what: str = "watch headphones 20%",
) -> None:
    for conversation in conversations:
        assert await app.say(channel, conversation, what) in (200, 201)
        assert "I'll tell you when" in channel.texts(conversation)[-1]


async def drop(app: RunningApp, product_id: str = "p-100", price: float = 149.99) -> int:
    await app.set_price(product_id, price)
    return (await app.engine.poll()).alerts


def alerts_received(channel: StandInChannel, conversation: str) -> list[str]:
    """Alert messages the channel accepted for this conversation."""
    return [text for text in channel.texts(conversation) if "Price drop" in text]


def requests_to(channel: StandInChannel, conversation: str, since: int = 0) -> int:
    """Every request that reached this conversation, faults included."""
    return sum(post.conversation_id == conversation for post in channel.posted[since:])


def activity(
    channel: StandInChannel, kind: str, conversation_id: str = "conv-e2e", **fields: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "channelId": "emulator",
        "serviceUrl": channel.url,
        "conversation": {"id": conversation_id},
        "from": {"id": f"user-of-{conversation_id}", "name": "User"},
        "recipient": {"id": "bot", "name": "PriceWatch"},
        **fields,
    }


def test_settings(tmp_path: Path, port: int, **env: str) -> Settings:
    return Settings.from_env(
        {
            "PORT": str(port),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'pricewatch.sqlite3'}",
            "ADMIN_TOKEN": ADMIN_TOKEN,
            "MOCK_FEED_DRIFT": "false",
            **env,
        }
    )


@asynccontextmanager
async def running_app(
    tmp_path: Path,
    env: Mapping[str, str] | None = None,
    run_scheduler: bool = False,
    store_kind: str = "sqlite",
    store: Any = None,
    **create_options: Any,
) -> AsyncIterator[RunningApp]:
    """create_app on a free port of HOST (loopback: 127.0.0.1 unless `env` says otherwise)
    over a store of this kind (tests/support/stores.py), or over `store` (unopened: another
    instance's store on the same database); its scheduler paused unless asked (tests call
    the ticks)."""
    host = (env or {}).get("HOST", "127.0.0.1")
    port = free_port(host)
    settings = test_settings(tmp_path, port, **(env or {}))
    store = store or make_store(store_kind, settings.database_path())
    runner = web.AppRunner(
        create_app(settings, run_scheduler=run_scheduler, store=store, **create_options),
        access_log_class=RedactingAccessLogger,  # as app.py's main runs it
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, port).start()
        async with ClientSession() as http:
            yield RunningApp(runner, f"http://{url_host(settings.host)}:{port}", http)
    finally:
        await runner.cleanup()
