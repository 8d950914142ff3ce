"""The app password and the admin token never leave the process: not in logs, reprs,
replies, /metrics or /healthz, whatever callers send and whatever fails."""

from __future__ import annotations

import logging
import socket
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app import _AdapterSettings
from domain.rules import initial_state, percent_rule
from domain.watches import NewWatch
from settings import Settings
from tests.support.channel import Fault, StandInChannel
from tests.support.clock import FakeClock
from tests.support.running import ADMIN, ADMIN_TOKEN, RunningApp, activity, running_app

APP_ID = "00000000-0000-4000-8000-000000000002"
APP_PASSWORD = "app-password-that-must-not-leak"
SECRETS = (APP_PASSWORD, ADMIN_TOKEN)


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a secret in {where}: {text[:300]!r}"


def assert_logs_keep_secrets(caplog: pytest.LogCaptureFixture) -> None:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    assert caplog.records, "the run logged something to check"
    for record in caplog.records:
        assert_no_secret(formatter.format(record), f"the {record.name} log")
        assert_no_secret(repr(record.args), f"the {record.name} log's arguments")


@pytest.fixture
def no_outside_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Token requests to Microsoft fail at once, as on a machine without a network."""
    real = socket.getaddrinfo

    def loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in {"127.0.0.1", "localhost", "::1"}:
            raise socket.gaierror(socket.EAI_NONAME, "tests reach no outside host")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)


async def text_of(app: RunningApp, method: str, path: str, **options: Any) -> str:
    async with app.http.request(method, f"{app.base}{path}", **options) as response:
        text = await response.text()
    assert_no_secret(text, f"the answer to {method} {path}")
    assert_no_secret(repr(dict(response.headers)), f"the headers of {method} {path}")
    return text


async def hostile_calls(app: RunningApp, channel: StandInChannel) -> None:
    """Everything a stranger might try, each of which fails somewhere."""
    good = activity(channel, "message", "conv-secret", text="hello")
    for options in [
        {"data": b"{", "headers": {"Content-Type": "application/json"}},
        {"data": b"x", "headers": {"Content-Type": "text/plain"}},
        {"json": {**good, "timestamp": "not a date"}},
        {"json": {**good, "text": "x" * (1024 * 1024)}},
        {"json": good, "headers": {"Authorization": "Bearer garbage"}},
        {"json": good, "headers": {"Authorization": f"Bearer {APP_PASSWORD}"}},
        {"json": good, "headers": {"Authorization": "Basic " + APP_PASSWORD}},
    ]:
        await text_of(app, "POST", "/api/messages", **options)
    for headers in [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {APP_PASSWORD}"},
    ]:
        await text_of(app, "GET", "/api/notify", headers=headers)
        await text_of(app, "PUT", "/feed/products/p-100", json={"price": 1}, headers=headers)
    await text_of(app, "PUT", "/feed/products/p-100", json={"price": "free"}, headers=ADMIN)
    await text_of(app, "PUT", "/feed/products/p-999", json={"price": 1}, headers=ADMIN)
    await text_of(app, "GET", "/nope")
    await text_of(app, "DELETE", "/api/messages")


async def operator_pages(app: RunningApp) -> None:
    metrics = await text_of(app, "GET", "/metrics")
    assert "pricewatch_polls" in metrics
    health = await text_of(app, "GET", "/healthz")
    assert '"store": "ok"' in health


def test_settings_repr_hides_both_secrets() -> None:
    settings = Settings.from_env(
        {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": APP_PASSWORD, "ADMIN_TOKEN": ADMIN_TOKEN}
    )
    assert settings.app_password == APP_PASSWORD and settings.admin_token == ADMIN_TOKEN
    for shown in (repr(settings), str(settings), f"{settings}", repr(_AdapterSettings(settings))):
        assert_no_secret(shown, "a repr")
    assert APP_ID in repr(settings)


def test_a_generated_admin_token_is_hidden_too() -> None:
    settings = Settings.from_env({})
    assert settings.admin_token_generated and settings.admin_token
    assert settings.admin_token not in repr(settings)


async def test_a_run_with_bot_framework_auth_keeps_both_secrets(
    tmp_path: Path, no_outside_network: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = StandInChannel()
    await channel.start()
    env = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": APP_PASSWORD}
    try:
        async with running_app(tmp_path, env=env) as app:
            await hostile_calls(app, channel)
            # An alert to a known conversation makes the SDK fetch a token with the
            # password; with no network that fails, and the failure is logged.
            await remember_a_watcher(app, channel)
            await app.set_price("p-100", 149.99)
            report = await app.notify()
            assert report["poll"]["alerts"] == 1
            assert (await app.engine.store.outbox.counts())["sent"] == 0
            await operator_pages(app)
    finally:
        await channel.stop()

    assert channel.posted == []
    assert any(record.levelno >= logging.WARNING for record in caplog.records)
    assert_logs_keep_secrets(caplog)


async def remember_a_watcher(app: RunningApp, channel: StandInChannel) -> None:
    store = app.engine.store
    key = "emulator/conv-secret"
    reference = {
        "activityId": "m1",
        "bot": {"id": APP_ID},
        "channelId": "emulator",
        "conversation": {"id": "conv-secret"},
        "serviceUrl": channel.url,
        "user": {"id": "user-1"},
    }
    now = FakeClock().now
    await store.references.save(key, reference, now)
    rule = percent_rule(Decimal("199.99"), Decimal(20))
    await store.watches.add(
        NewWatch(
            key,
            "user-1",
            "p-100",
            "Noise-cancelling headphones",
            "USD",
            rule,
            initial_state(rule),
            now,
        )
    )


async def test_a_run_in_emulator_mode_with_failing_sends_keeps_the_admin_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = StandInChannel()
    await channel.start()
    try:
        async with running_app(tmp_path) as app:
            await hostile_calls(app, channel)
            assert await app.say(channel, "conv-secret", "watch headphones 20%") == 201
            channel.always("conv-secret", Fault(status=500))
            assert await app.say(channel, "conv-secret", "list") == 201
            await app.set_price("p-100", 149.99)
            await app.notify()
            await operator_pages(app)
    finally:
        await channel.stop()

    for post in channel.posted:
        assert_no_secret(post.text, "a message to the user")
    assert any(record.levelno >= logging.WARNING for record in caplog.records)
    assert_logs_keep_secrets(caplog)
