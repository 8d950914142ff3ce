"""The keys Bot Framework tokens are signed with, fetched ahead of the requests that need them.

The SDK fetches them while it checks a token: a blocking `requests.get` without a timeout,
on the event loop, and again for every token whose key id it does not know, because a
failed fetch is not remembered. Here they are fetched over aiohttp with a timeout, at
start and once a day (APScheduler calls `tick`), and at most once a minute when a token
names a key id we do not have. Looking a key up never waits for the network: a token
whose key is not in memory is refused at once, and the fetch it asked for helps the next.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import aiohttp
from botframework.connector.auth import AuthenticationConstants
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWTError
from jwt.algorithms import RSAAlgorithm

from domain.clock import Clock

logger = logging.getLogger(__name__)

REFRESH_EVERY: Final = timedelta(hours=24)
"""As the SDK for JavaScript does (botbuilder-python#1210 asks the same of Python's)."""
MIN_INTERVAL: Final = timedelta(minutes=1)
"""Between two fetches, whatever asks: a failed fetch or an unknown key id waits this long."""
FETCH_TIMEOUT_SECONDS: Final = 10.0
MAX_DOCUMENT_BYTES: Final = 1024 * 1024


@dataclass(frozen=True)
class OpenIdMetadataUrls:
    """Where the OpenID metadata documents are that name the signing keys' addresses."""

    channel: str = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
    emulator: str = AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL


@dataclass(frozen=True)
class SigningKey:
    public_key: RSAPublicKey
    endorsements: tuple[str, ...]
    """The channels this key may sign for; empty means any (the Emulator's keys)."""


class SigningKeys:
    """The keys one OpenID metadata document leads to."""

    def __init__(
        self,
        metadata_url: str,
        clock: Clock,
        *,
        refresh_every: timedelta = REFRESH_EVERY,
        min_interval: timedelta = MIN_INTERVAL,
        timeout_seconds: float = FETCH_TIMEOUT_SECONDS,
    ) -> None:
        self.metadata_url = metadata_url
        self._clock = clock
        self._refresh_every = refresh_every
        self._min_interval = min_interval
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: datetime | None = None
        self._tried_at: datetime | None = None
        self._missed = False
        self._fetching: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def loaded(self) -> bool:
        """Whether a fetch has ever succeeded (until then no token can be checked)."""
        return self._fetched_at is not None

    def find(self, key_id: str) -> SigningKey | None:
        """The key with this id, from memory. A miss starts a fetch if one is allowed,
        and does not wait for it."""
        key = self._keys.get(key_id)
        if key is None:
            self._missed = True
            self._fetch_if_due()
        return key

    def start(self) -> None:
        """The first fetch, in the background (inside the running loop)."""
        self._fetch_if_due()

    async def tick(self) -> None:
        """The scheduled refresh: fetches if the keys are due, and waits for any fetch."""
        self._fetch_if_due()
        if self._fetching is not None:
            await asyncio.shield(self._fetching)

    async def close(self) -> None:
        fetching = self._fetching
        if fetching is not None:
            fetching.cancel()
            await asyncio.gather(fetching, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _due(self, now: datetime) -> bool:
        if self._fetching is not None:
            return False
        if self._tried_at is not None and now - self._tried_at < self._min_interval:
            return False
        return (
            self._fetched_at is None
            or self._missed
            or now - self._fetched_at >= self._refresh_every
        )

    def _fetch_if_due(self) -> None:
        now = self._clock()
        if not self._due(now):
            return
        self._tried_at = now
        self._missed = False
        self._fetching = asyncio.get_running_loop().create_task(self._fetch())
        self._fetching.add_done_callback(self._fetched)

    def _fetched(self, task: asyncio.Task[None]) -> None:
        if self._fetching is task:
            self._fetching = None

    async def _fetch(self) -> None:
        try:
            metadata = await self._json(self.metadata_url)
            jwks_uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
            if not isinstance(jwks_uri, str):
                raise ValueError("the metadata document names no jwks_uri")
            keys = _signing_keys(await self._json(jwks_uri))
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.warning(
                "could not fetch signing keys from %s (next try in %s at the earliest): %s",
                self.metadata_url,
                self._min_interval,
                str(error) or type(error).__name__,
            )
            return
        except Exception:  # a bug here must not break the requests that asked for keys
            logger.exception("could not read signing keys from %s", self.metadata_url)
            return
        added = keys.keys() - self._keys.keys()
        self._keys = keys
        self._fetched_at = self._clock()
        logger.info(
            "fetched %d signing keys from %s (%d new)", len(keys), self.metadata_url, len(added)
        )

    async def _json(self, url: str) -> object:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        async with self._http.get(url, timeout=self._timeout) as response:
            response.raise_for_status()
            body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
        if len(body) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"{url} answered with more than {MAX_DOCUMENT_BYTES} bytes")
        return json.loads(body)


def _signing_keys(jwks: object) -> dict[str, SigningKey]:
    entries = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(entries, list):
        raise ValueError("the key set has no list of keys")
    keys: dict[str, SigningKey] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        endorsements = entry.get("endorsements") or []
        if not isinstance(endorsements, list):
            continue
        try:
            public_key = RSAAlgorithm.from_jwk(entry)
        except (PyJWTError, ValueError, TypeError, KeyError):
            continue  # not an RSA key, or not a valid one: no token can use it
        if not isinstance(public_key, RSAPublicKey):
            continue
        keys[entry["kid"]] = SigningKey(public_key, tuple(str(e) for e in endorsements))
    if not keys:
        raise ValueError("the key set holds no RSA signing key")
    return keys


@dataclass(frozen=True)
class BotFrameworkKeys:
    """The two key sets a bot checks tokens with: the channels' and the Emulator's."""

    channel: SigningKeys
    emulator: SigningKeys

    @classmethod
    def fetched_from(cls, urls: OpenIdMetadataUrls, clock: Clock) -> BotFrameworkKeys:
        return cls(SigningKeys(urls.channel, clock), SigningKeys(urls.emulator, clock))

    def start(self) -> None:
        self.channel.start()
        self.emulator.start()

    async def tick(self) -> None:
        await asyncio.gather(self.channel.tick(), self.emulator.tick())

    async def close(self) -> None:
        await asyncio.gather(self.channel.close(), self.emulator.close())
