"""Without Bot Framework authentication a serviceUrl must be loopback or listed in
ALLOWED_SERVICE_URLS: a stranger cannot point the bot at a URL of their choosing, nor
overwrite a conversation's stored reference with one."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from api.service_urls import service_url_problem
from settings import Origin
from tests.support.channel import StandInChannel
from tests.support.running import RunningApp, activity, drop, running_app, watch

LISTED = frozenset({Origin("https", "webchat.example.com", 443), Origin("http", "10.0.0.5", 3000)})
APP_ID = "00000000-0000-4000-8000-000000000004"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:3000/directline",
        "https://127.0.0.5",
        "http://localhost:52000/",
        "http://LOCALHOST.:52000",
        "http://[::1]:9000",
        "http://[::ffff:127.0.0.1]:9000",
        "https://webchat.example.com/any/path",
        "https://WebChat.Example.com:443",
        "http://10.0.0.5:3000/",
    ],
)
def test_loopback_and_listed_origins_are_allowed(url: str) -> None:
    assert service_url_problem(url, LISTED) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/",
        "http://webchat.example.com",  # the listed origin is https
        "https://webchat.example.com:8443",  # on another port
        "http://10.0.0.5:3001",
        "http://10.0.0.6:3000",
        "http://127.0.0.1.attacker.example",
        "http://localhost.attacker.example:3000",
        "http://0.0.0.0:3978",
        "http://169.254.169.254/latest/meta-data",
    ],
)
def test_any_other_origin_is_refused(url: str) -> None:
    problem = service_url_problem(url, LISTED)
    assert problem is not None and "ALLOWED_SERVICE_URLS" in problem


def test_an_activity_without_a_service_url_is_left_to_the_other_checks() -> None:
    assert service_url_problem(None, frozenset()) is None


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Host names looked up; `channel.example` is this machine, any other outside name fails."""
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in {"127.0.0.1", "localhost", "::1"}:
            return real(host, *args, **kwargs)
        looked_up.append(name)
        if name == "channel.example":
            return real("127.0.0.1", *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "tests reach no outside host")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return looked_up


async def post(app: RunningApp, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    async with app.http.post(f"{app.base}/api/messages", json=body) as response:
        return response.status, json.loads(await response.text() or "{}")


@pytest.mark.parametrize("kind", ["message", "conversationUpdate", "event", "typing"])
async def test_without_authentication_a_strangers_service_url_is_403_and_changes_nothing(
    tmp_path: Path, channel: StandInChannel, lookups: list[str], kind: str
) -> None:
    async with running_app(tmp_path) as app:
        hostile = {
            **activity(channel, kind, "conv-hijack", text="watch headphones 20%"),
            "serviceUrl": "https://attacker.example/",
        }
        status, body = await post(app, hostile)

        assert status == 403
        assert "ALLOWED_SERVICE_URLS" in body["error"]
        assert await app.engine.store.references.get("emulator/conv-hijack") is None
        assert await app.engine.store.watches.watched_product_ids() == []
    assert channel.posted == [] and lookups == []


async def test_a_stored_reference_cannot_be_pointed_elsewhere(
    tmp_path: Path, channel: StandInChannel, lookups: list[str]
) -> None:
    async with running_app(tmp_path) as app:
        await watch(app, channel, "conv-victim")
        stored = await app.engine.store.references.get("emulator/conv-victim")

        hostile = {
            **activity(channel, "message", "conv-victim", text="list"),
            "serviceUrl": "http://169.254.169.254/",
        }
        assert (await post(app, hostile))[0] == 403

        assert await app.engine.store.references.get("emulator/conv-victim") == stored
        assert await drop(app) == 1
        await app.engine.deliverer.tick()
        assert "Price drop" in channel.texts("conv-victim")[-1]
    assert lookups == []


async def test_an_origin_in_allowed_service_urls_is_served(
    tmp_path: Path, channel: StandInChannel, lookups: list[str]
) -> None:
    port = channel.url.rsplit(":", 1)[1]
    listed = f"http://channel.example:{port}"
    async with running_app(tmp_path, env={"ALLOWED_SERVICE_URLS": listed}) as app:
        status, _ = await post(
            app, {**activity(channel, "message", "conv-listed", text="help"), "serviceUrl": listed}
        )
        assert status == 201
        reference = await app.engine.store.references.get("emulator/conv-listed")
        assert reference is not None and reference["serviceUrl"] == listed
    assert "Here's what I understand" in channel.texts("conv-listed")[-1]
    assert "channel.example" in lookups


async def test_with_authentication_the_service_url_is_the_sdks_to_judge(
    tmp_path: Path, channel: StandInChannel, lookups: list[str]
) -> None:
    env = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "a-password-for-this-test"}
    async with running_app(tmp_path, env=env) as app:
        hostile = {
            **activity(channel, "message", "conv-signed", text="help"),
            "serviceUrl": "https://attacker.example/",
        }
        status, _ = await post(app, hostile)
    assert status == 401, "refused by the SDK's token check, not by the no-auth rule"
