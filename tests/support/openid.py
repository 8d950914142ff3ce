"""A stand-in for Microsoft's OpenID metadata and signing keys, and tokens signed with them.

It serves /.well-known/openid-configuration and the key set it names, counts what it is
asked, and can be told to hang (until released, or until it stops) like a slow network,
or to fail with a status.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import RSAAlgorithm

from connector.signing_keys import OpenIdMetadataUrls

CHANNEL_ISSUER = "https://api.botframework.com"
EMULATOR_ISSUER = "https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0"


def new_private_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class StandInOpenId:
    keys: dict[str, RSAPrivateKey] = field(default_factory=dict)
    endorsements: dict[str, list[str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    """The path of every request, in order, including those left hanging."""
    failing_with: int | None = None
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _server: TestServer | None = None

    def __post_init__(self) -> None:
        self._released.set()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._metadata)
        app.router.add_get("/keys", self._key_set)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()

    async def stop(self) -> None:
        self._released.set()
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("/.well-known/openid-configuration"))

    def add_key(self, key_id: str, endorsements: list[str] | None = None) -> RSAPrivateKey:
        self.keys[key_id] = new_private_key()
        self.endorsements[key_id] = endorsements or []
        return self.keys[key_id]

    def hang(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    @property
    def documents_asked(self) -> int:
        """How many times the metadata document was asked for: one per fetch."""
        return self.asked.count("/.well-known/openid-configuration")

    async def documents_asked_reach(self, count: int, within_seconds: float = 5) -> None:
        """Returns once the metadata document has been asked for `count` times (a test
        that expects a fetch which never comes fails instead of hanging)."""
        async with asyncio.timeout(within_seconds), self._arrived:
            await self._arrived.wait_for(lambda: self.documents_asked >= count)

    async def _answer(self, request: web.Request) -> web.Response | None:
        self.asked.append(request.path)
        async with self._arrived:
            self._arrived.notify_all()
        await self._released.wait()
        if self.failing_with is not None:
            return web.json_response({"error": "failing"}, status=self.failing_with)
        return None

    async def _metadata(self, request: web.Request) -> web.Response:
        if failure := await self._answer(request):
            return failure
        assert self._server is not None
        jwks_uri = str(self._server.make_url("/keys"))
        return web.json_response({"issuer": CHANNEL_ISSUER, "jwks_uri": jwks_uri})

    async def _key_set(self, request: web.Request) -> web.Response:
        if failure := await self._answer(request):
            return failure
        keys = []
        for key_id, private in self.keys.items():
            public = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
            keys.append(
                {**public, "kid": key_id, "use": "sig", "endorsements": self.endorsements[key_id]}
            )
        return web.json_response({"keys": keys})


def sign(claims: dict[str, Any], key: RSAPrivateKey, key_id: str, lifetime: float = 600) -> str:
    """A token as the Bot Framework would issue it, expiring `lifetime` seconds from now."""
    now = int(time.time())
    payload = {"iat": now, "nbf": now, "exp": now + int(lifetime), **claims}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": key_id})


def channel_claims(app_id: str, service_url: str) -> dict[str, Any]:
    return {"iss": CHANNEL_ISSUER, "aud": app_id, "serviceurl": service_url}


def urls(channel: StandInOpenId, emulator: StandInOpenId | None = None) -> OpenIdMetadataUrls:
    return OpenIdMetadataUrls(channel=channel.url, emulator=(emulator or channel).url)
