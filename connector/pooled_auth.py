"""Bot Framework authentication that reuses connector clients instead of building one a turn.

The SDK builds a new ConnectorClient and a new user-token client for every turn, each
with an msrest retry policy that costs milliseconds of CPU to construct. Clients are
safe to share: credentials cache and refresh their own tokens. So we keep one connector
per (app id, service URL, audience) and one user-token client per app id, all sending
through one aiohttp session: a turn's sends directly (direct_sends), every other
operation through the SDK's msrest pipeline (aiohttp_transport). That also drops msrest's
own retries, which sleep inside a worker thread and never retry 429: delivery retries
with its own backoff and Retry-After handling.

Incoming tokens are checked by connector/inbound_tokens.py with keys already in memory,
never by the SDK, whose check fetches keys on the event loop (connector/signing_keys.py).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any, Final

import aiohttp
from botbuilder.integration.aiohttp import (
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)

from connector.aiohttp_transport import SessionProvider, use_aiohttp
from connector.direct_sends import use_direct_sends
from connector.direct_serializer import use_direct_serializer
from connector.inbound_tokens import InboundTokens
from connector.signing_keys import BotFrameworkKeys

logger = logging.getLogger(__name__)

MAX_CLIENTS: Final = 1024
MAX_CONNECTIONS: Final = 256
SEND_TIMEOUT_SECONDS: Final = 15


class _ClientPool:
    def __init__(self, capacity: int = MAX_CLIENTS) -> None:
        self._clients: OrderedDict[tuple[str, str, str], ConnectorClient] = OrderedDict()
        self._capacity = capacity

    def get(self, key: tuple[str, str, str]) -> ConnectorClient | None:
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
        return client

    def put(self, key: tuple[str, str, str], client: ConnectorClient) -> None:
        self._clients[key] = client
        while len(self._clients) > self._capacity:
            self._clients.popitem(last=False)


class _PooledConnectorFactory(ConnectorFactory):
    def __init__(
        self,
        inner: ConnectorFactory,
        app_id: str,
        pool: _ClientPool,
        session: SessionProvider,
        timeout_seconds: float,
        default_audience: str,
    ) -> None:
        self._inner = inner
        self._app_id = app_id
        self._default_audience = default_audience
        self._pool = pool
        self._session = session
        self._timeout_seconds = timeout_seconds

    async def create(self, service_url: str, audience: str = None) -> ConnectorClient:  # type: ignore[assignment]
        # No audience is the SDK's default one (its factory makes the same credentials for
        # both): a proactive turn, which names none, shares the client of the user's turns
        # instead of building its own, a few milliseconds of CPU in the middle of a fan-out.
        key = (self._app_id, service_url, audience or self._default_audience)
        client = self._pool.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            use_aiohttp(client, self._session, self._timeout_seconds)
            use_direct_serializer(client)
            use_direct_sends(client, self._session, self._timeout_seconds)
            self._pool.put(key, client)
        return client


class PooledBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):
    """The public cloud's Bot Framework authentication (the only one _AdapterSettings asks
    for: it sets no CHANNEL_SERVICE), checking tokens with `signing_keys`, whose fetching
    the caller starts and stops."""

    def __init__(
        self,
        configuration: Any,
        *,
        signing_keys: BotFrameworkKeys,
        send_timeout_seconds: float = SEND_TIMEOUT_SECONDS,
        credentials_factory: ServiceClientCredentialsFactory | None = None,
    ) -> None:
        credentials = credentials_factory or ConfigurationServiceClientCredentialFactory(
            configuration
        )
        super().__init__(configuration, credentials_factory=credentials)
        self._credentials = credentials
        self._tokens = InboundTokens(signing_keys, credentials)
        self._send_timeout_seconds = send_timeout_seconds
        self._connectors = _ClientPool()
        self._token_clients: dict[str, UserTokenClient] = {}
        self._http: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        """One session for every send, made on first use inside the running loop. It keeps
        no cookies: the Connector API authenticates each call by its bearer token, and a
        cookie one service URL set has no business in the calls for other conversations
        (nor in the per-request cookie matching aiohttp otherwise does)."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        """Who sent the activity. Only its channel_id and service_url are read when a
        token is checked; PermissionError refuses, ConnectionError means no keys yet."""
        if await self._credentials.is_authentication_disabled():
            # Without an app id the SDK lets anyone in: a token would prove nothing more,
            # and checking it would need Microsoft's keys.
            result = await super().authenticate_request(activity, "")
        elif not auth_header:
            raise PermissionError("a Bot Framework token is required")
        else:
            identity = await self._tokens.identify(
                auth_header, activity.channel_id, activity.service_url
            )
            result = AuthenticateRequestResult()
            result.claims_identity = identity
            result.audience = self.get_originating_audience()  # no skill's: they are refused
            result.caller_id = await self.generate_caller_id(
                credential_factory=self._credentials,
                claims_identity=identity,
                caller_id=CallerIdConstants.public_azure_channel,
            )
        result.connector_factory = self.create_connector_factory(result.claims_identity)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._pooled(super().create_connector_factory(claims_identity), claims_identity)

    def _pooled(self, inner: ConnectorFactory, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _PooledConnectorFactory(
            inner,
            _app_id(claims_identity),
            self._connectors,
            self._session,
            self._send_timeout_seconds,
            self.get_originating_audience(),
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = _app_id(claims_identity)
        client = self._token_clients.get(app_id)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._token_clients[app_id] = client
        return client


def _app_id(claims_identity: ClaimsIdentity) -> str:
    """The bot's app id, found where the SDK looks: the audience, else the appid claim."""
    return (
        claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
        or claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
        or ""
    )
