"""An msrest pipeline that sends over one shared aiohttp session instead of `requests`.

The SDK's connector sends every request with a blocking `requests` call in the event
loop's default thread pool: a thread hop, a GIL fight and ~1 ms of CPU per send, and at
most as many sends in flight as the pool has threads. This pipeline keeps the SDK's own
serialization, user agent, logging and credentials, and only swaps the last hop.

A turn's sends (send_to_conversation, reply_to_activity, update_activity) do not go
through it: connector/direct_sends.py makes those requests itself, on the same session,
with the same headers and the same `bearer_token`. The pipeline carries every other
operation of the connector (creating a conversation, reading members, deleting an
activity, attachments) and any send the direct path leaves to the SDK. Its one change to
what msrest reads: a refusal whose body is not what it says (a gateway's HTML page) keeps
its status (`RefusalsByStatus`).
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import aiohttp
from botframework.connector.auth import AppCredentials, AuthenticationConstants
from msrest.exceptions import DeserializationError
from msrest.pipeline import AsyncPipeline, Request, Response
from msrest.pipeline.async_abc import AsyncHTTPPolicy, AsyncHTTPSender
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest, HTTPClientResponse
from multidict import CIMultiDict

SessionProvider = Callable[[], aiohttp.ClientSession]


class BufferedResponse(HTTPClientResponse):
    """A response whose body is already read, as msrest's deserializers expect."""

    def __init__(
        self, request: ClientRequest, status: int, headers: Any, reason: str | None, body: bytes
    ) -> None:
        super().__init__(request, None)
        self.status_code = status
        self.headers = CIMultiDict(headers)
        self.reason = reason
        self._body = body

    def body(self) -> bytes:
        return self._body

    @property
    def internal_response(self) -> "BufferedResponse":
        """Itself: msrest's HttpOperationError exposes `internal_response` as `.response`
        (with requests, the requests.Response), and ours carries the same status and
        headers. A property, as an attribute naming itself would be a reference cycle
        that only the garbage collector frees."""
        return self

    @internal_response.setter
    def internal_response(self, _: Any) -> None:
        """msrest's constructor sets it (to None here); it is always this response."""


class AiohttpSender(AsyncHTTPSender):
    def __init__(self, session: SessionProvider, timeout_seconds: float) -> None:
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def __aenter__(self) -> "AiohttpSender":
        return self

    async def __aexit__(self, *exc_details: Any) -> None:
        return None

    def build_context(self) -> Any:
        return None

    async def send(self, request: Request, **config: Any) -> Response:
        http = request.http_request
        async with self._session().request(
            http.method, http.url, headers=http.headers, data=http.data, timeout=self._timeout
        ) as answer:
            body = await answer.read()
            return Response(
                request, BufferedResponse(http, answer.status, answer.headers, answer.reason, body)
            )


class BearerTokenPolicy(AsyncHTTPPolicy):
    """Sets `bearer_token`'s Authorization header, or takes any away."""

    def __init__(self, credentials: AppCredentials | None) -> None:
        super().__init__()
        self._credentials = credentials

    async def send(self, request: Request, **kwargs: Any) -> Response:
        token = await bearer_token(self._credentials)
        if token is not None:
            request.http_request.headers["Authorization"] = token
        else:
            request.http_request.headers.pop("Authorization", None)
        assert self.next is not None
        return await self.next.send(request, **kwargs)


async def bearer_token(credentials: AppCredentials | None) -> str | None:
    """The Authorization header the SDK would send: the app's token exactly when it has
    an app id that is not anonymous, else none."""
    app_id = getattr(credentials, "microsoft_app_id", None)
    if (
        credentials is None
        or not app_id
        or app_id == AuthenticationConstants.ANONYMOUS_SKILL_APP_ID
    ):
        return None
    # MSAL answers from its cache; on a miss it calls the network, so never on the loop.
    token = await asyncio.get_running_loop().run_in_executor(None, credentials.get_access_token)
    return f"Bearer {token}"


class RefusalsByStatus(RawDeserializer):
    """msrest's reading of an answer's body, except for a refusal (not 2xx) whose body
    cannot be read: msrest read it before the status and raised DeserializationError,
    an error with no status, so a gateway's 502 page was retried blind and a 429's
    Retry-After lost. Left unread, the operation raises the SDK's ErrorResponseException
    with the status and the page, as the direct sends do. An unreadable 2xx still raises:
    what the operation would make of nothing is not known for every operation."""

    def on_response(self, request: Request, response: Response, **kwargs: Any) -> None:
        try:
            super().on_response(request, response, **kwargs)
        except DeserializationError:
            if 200 <= response.http_response.status_code < 300:
                raise
            response.context[self.CONTEXT_NAME] = None


def use_aiohttp(client: Any, session: SessionProvider, timeout_seconds: float) -> None:
    """Rebuild a ConnectorClient's pipeline to send through `session`."""
    config = client.config
    config.pipeline = AsyncPipeline(
        [
            config.user_agent_policy,
            BearerTokenPolicy(config.credentials),
            RefusalsByStatus(),
            config.http_logger_policy,
        ],
        AiohttpSender(session, timeout_seconds),
    )
