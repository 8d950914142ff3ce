"""Signing keys come from memory; fetching them is scheduled, bounded and never awaited
by a request. Time is a FakeClock moved by hand; the stand-in hangs until told."""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Mapping

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from connector.signing_keys import SigningKeys
from tests.support.channel import StandInChannel
from tests.support.clock import FakeClock
from tests.support.openid import StandInOpenId, channel_claims, new_private_key, sign, urls
from tests.support.running import RunningApp, activity, running_app

APP_ID = "00000000-0000-4000-8000-000000000003"
DAY = 24 * 3600


@asynccontextmanager
async def keys_from(
    openid: StandInOpenId, clock: FakeClock, **options: Any
) -> AsyncIterator[SigningKeys]:
    keys = SigningKeys(openid.url, clock, **options)
    try:
        yield keys
    finally:
        await keys.close()


async def test_keys_are_fetched_once_and_then_found_in_memory(openid: StandInOpenId) -> None:
    private = openid.add_key("k1", endorsements=["msteams"])
    async with keys_from(openid, FakeClock()) as keys:
        assert not keys.loaded and keys.find("k1") is None  # nothing fetched yet
        await keys.tick()

        key = keys.find("k1")
        assert keys.loaded and key is not None
        assert key.public_key.public_numbers() == private.public_key().public_numbers()
        assert key.endorsements == ("msteams",)
        for _ in range(10):
            assert keys.find("k1") is key
        await keys.tick()
    assert openid.asked == ["/.well-known/openid-configuration", "/keys"]


async def test_the_schedule_refreshes_the_keys_once_a_day(openid: StandInOpenId) -> None:
    openid.add_key("k1")
    clock = FakeClock()
    async with keys_from(openid, clock) as keys:
        await keys.tick()
        openid.add_key("k2")  # rotated in
        clock.advance(DAY - 60)
        await keys.tick()
        assert openid.documents_asked == 1

        clock.advance(60)
        await keys.tick()
        assert openid.documents_asked == 2
        assert keys.find("k2") is not None


async def test_an_unknown_key_id_is_missed_at_once_and_fetches_at_most_once_a_minute(
    openid: StandInOpenId,
) -> None:
    openid.add_key("k1")
    clock = FakeClock()
    async with keys_from(openid, clock) as keys:
        await keys.tick()
        clock.advance(60)
        openid.hang()
        openid.add_key("k2")

        for _ in range(20):  # each answered from memory while the fetch hangs
            assert keys.find("k2") is None
        await openid.documents_asked_reach(2)
        openid.release()
        await keys.tick()  # the one fetch those misses started
        assert keys.find("k2") is not None
        assert openid.documents_asked == 2

        clock.advance(30)
        assert keys.find("k3") is None
        await keys.tick()
        assert openid.documents_asked == 2, "a minute has not passed"

        clock.advance(31)
        assert keys.find("k3") is None
        await keys.tick()
        assert openid.documents_asked == 3


async def test_a_failed_fetch_keeps_the_old_keys_and_is_retried_a_minute_later(
    openid: StandInOpenId, caplog: pytest.LogCaptureFixture
) -> None:
    openid.add_key("k1")
    clock = FakeClock()
    async with keys_from(openid, clock) as keys:
        await keys.tick()
        openid.failing_with = 500
        clock.advance(DAY)
        await keys.tick()
        assert openid.documents_asked == 2
        assert keys.find("k1") is not None, "the keys it had still check tokens"
        assert "could not fetch signing keys" in caplog.text

        assert keys.find("unknown") is None
        await keys.tick()
        assert openid.documents_asked == 2, "a failure waits a minute like a success"

        openid.failing_with = None
        openid.add_key("k2")
        clock.advance(60)
        await keys.tick()
        assert openid.documents_asked == 3
        assert keys.find("k2") is not None


async def test_a_fetch_that_hangs_gives_up_after_its_timeout(openid: StandInOpenId) -> None:
    openid.add_key("k1")
    openid.hang()
    async with keys_from(openid, FakeClock(), timeout_seconds=0.2) as keys:
        async with asyncio.timeout(5):
            await keys.tick()
        assert not keys.loaded


async def test_closing_cancels_a_fetch_that_hangs(openid: StandInOpenId) -> None:
    openid.add_key("k1")
    openid.hang()
    keys = SigningKeys(openid.url, FakeClock())
    keys.start()
    await openid.documents_asked_reach(1)
    async with asyncio.timeout(5):
        await keys.close()
    assert not keys.loaded


def jwk(key: Any, **fields: Any) -> dict[str, Any]:
    return {**json.loads(RSAAlgorithm.to_jwk(key)), **fields}


RSA_PUBLIC = new_private_key().public_key()
EC_PUBLIC = json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key()))
BAD_DOCUMENTS: dict[str, tuple[object, object]] = {  # metadata None: one naming the key set
    "metadata that is not an object": ([], {"keys": [jwk(RSA_PUBLIC, kid="k")]}),
    "metadata without jwks_uri": ({"issuer": "x"}, {"keys": [jwk(RSA_PUBLIC, kid="k")]}),
    "a key set without keys": (None, {"nope": []}),
    "a key set of no objects": (None, {"keys": ["k", 5]}),
    "keys without ids": (None, {"keys": [jwk(RSA_PUBLIC)]}),
    "keys that are not RSA": (None, {"keys": [{**EC_PUBLIC, "kid": "k"}]}),
    "an RSA key missing its modulus": (None, {"keys": [{"kty": "RSA", "kid": "k", "e": "AQAB"}]}),
    "endorsements that are not a list": (
        None,
        {"keys": [jwk(RSA_PUBLIC, kid="k", endorsements=5)]},
    ),
    "a private key": (None, {"keys": [jwk(new_private_key(), kid="k")]}),
    "a key set over 1 MB": (None, {"keys": [], "pad": "x" * (1024 * 1024)}),
}


@pytest.mark.parametrize(("metadata", "key_set"), BAD_DOCUMENTS.values(), ids=BAD_DOCUMENTS.keys())
async def test_documents_that_name_no_usable_key_load_nothing(
    metadata: object, key_set: object, caplog: pytest.LogCaptureFixture
) -> None:
    server: TestServer

    async def serve_metadata(request: web.Request) -> web.Response:
        document = {"jwks_uri": str(server.make_url("/keys"))} if metadata is None else metadata
        return web.json_response(document)

    async def serve_keys(request: web.Request) -> web.Response:
        return web.json_response(key_set)

    app = web.Application()
    app.router.add_get("/metadata", serve_metadata)
    app.router.add_get("/keys", serve_keys)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    keys = SigningKeys(str(server.make_url("/metadata")), FakeClock())
    try:
        await keys.tick()
    finally:
        await keys.close()
        await server.close()
    assert not keys.loaded and keys.find("k") is None
    [warning] = [r for r in caplog.records if r.name == "connector.signing_keys"]
    assert warning.levelno == logging.WARNING and "/metadata" in warning.getMessage()


# In the running app


@asynccontextmanager
async def signed_app(
    tmp_path: Path, openid: StandInOpenId, clock: FakeClock
) -> AsyncIterator[RunningApp]:
    env = {"MicrosoftAppId": APP_ID, "MicrosoftAppPassword": "not-a-real-password"}
    async with running_app(tmp_path, env=env, clock=clock, openid_metadata=urls(openid)) as app:
        yield app


async def post_forged(
    app: RunningApp, channel: StandInChannel, key_id: str
) -> tuple[int, dict[str, Any], Mapping[str, str]]:
    """An activity whose token names this key id and is signed with a key nobody knows."""
    token = sign(channel_claims(APP_ID, channel.url), new_private_key(), key_id)
    async with app.http.post(
        f"{app.base}/api/messages",
        json=activity(channel, "message", "conv-forged", text="hi"),
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        return response.status, await response.json(), response.headers


async def healthz_seconds(app: RunningApp) -> float:
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with app.http.get(f"{app.base}/healthz") as response:
        await response.read()
    return loop.time() - started


async def test_while_the_key_endpoint_hangs_forged_tokens_are_refused_at_once(
    tmp_path: Path, channel: StandInChannel, openid: StandInOpenId
) -> None:
    openid.add_key("channel-key")
    clock = FakeClock()
    async with signed_app(tmp_path, openid, clock) as app:
        keys = app.engine.signing_keys
        await keys.tick()  # what the app fetched at start: the channel's and the Emulator's
        assert openid.documents_asked == 2
        clock.advance(60)
        openid.hang()

        async with asyncio.timeout(2):  # a request that waited for the key fetch would hang
            for n in range(20):
                status, body, _ = await post_forged(app, channel, f"forged-{n}")
                assert status == 401 and "signing key" in body["error"]
                assert await healthz_seconds(app) < 0.5
            await openid.documents_asked_reach(3)
        assert openid.documents_asked == 3, "one fetch for twenty unknown key ids"
        openid.release()
        await keys.tick()

        clock.advance(30)
        assert (await post_forged(app, channel, "forged-later"))[0] == 401
        await keys.tick()
        assert openid.documents_asked == 3, "at most one fetch a minute"

        clock.advance(31)
        assert (await post_forged(app, channel, "forged-a-minute-on"))[0] == 401
        await keys.tick()
        assert openid.documents_asked == 4
    assert channel.posted == []


async def test_before_any_key_is_fetched_a_token_is_503_and_asked_again_later(
    tmp_path: Path, channel: StandInChannel, openid: StandInOpenId
) -> None:
    openid.hang()
    async with signed_app(tmp_path, openid, FakeClock()) as app:
        await openid.documents_asked_reach(2)  # the fetches it started with, hanging
        async with asyncio.timeout(2):
            status, body, headers = await post_forged(app, channel, "any-key")
        assert status == 503 and "try again" in body["error"]
        assert int(headers["Retry-After"]) > 0
    assert channel.posted == []
