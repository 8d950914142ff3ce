"""A turn's sends (send_to_conversation, reply_to_activity, update_activity) straight to the
channel's Connector API, over the shared aiohttp session, without msrest's pipeline.

Through msrest, one send built its URL by parsing and joining it twice (urlparse,
urljoin), made a request object, ran four policies and a sender, and read the answer back
through a deserializer: in a fan-out's profile the send was 23% of a proactive turn, more
than half of it this machinery around one POST. Here the activity becomes its JSON once
(`DirectSerializer`, held equal to msrest's), the URL is the client's own prefix (worked
out once per client by msrest's `format_url`) plus the ids quoted as msrest quotes them,
and the request carries the headers the SDK's pipeline sent, in its order: Accept,
Content-Type, (a reply's x-ms-conversation-id), Content-Length, User-Agent, and the
bearer token exactly when `aiohttp_transport.BearerTokenPolicy` adds it. The answer is
judged by its status first: one other than 200, 201 or 202 raises the SDK's
`ErrorResponseException` over a `BufferedResponse`, whatever its body, so the outbox
reads the status (a gateway's HTML 502 is worth a retry, a 429's Retry-After is kept);
the pipeline read the body first, and a page that was not JSON failed with no status at
all. A message the channel took is taken, even when its answer cannot be read (no id
then): the pipeline raised on it, and the alert went again. An answer that is read is
read by `RawDeserializer`'s rule, and timeouts and connection errors are aiohttp's, as
they were.

Everything else stays the SDK's: the other operations of `conversations`, and a send this
path does not take (custom headers, `raw`, per-call options, HTTP logging switched on, an
id that is not a string or that msrest's URL join would rewrite), go through the
client's msrest pipeline, which now reads a refusal by its status too
(`aiohttp_transport.RefusalsByStatus`). `tests/connector/test_direct_sends.py` holds the
two paths equal on the wire and in what they return and raise, but for a message taken
with an unreadable answer, which the pipeline still takes for a failure.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Final

import aiohttp
from botframework.connector.aio import ConnectorClient
from botframework.connector.models import Activity, ErrorResponseException, ResourceResponse
from msrest.exceptions import DeserializationError
from msrest.pipeline.universal import RawDeserializer
from msrest.serialization import Deserializer
from msrest.universal_http import ClientRequest

from connector.aiohttp_transport import BufferedResponse, SessionProvider, bearer_token
from connector.direct_serializer import activity_json, quoted

logger = logging.getLogger(__name__)

ACCEPTED: Final = frozenset({200, 201, 202})
"""The statuses whose answer the SDK's operations read; any other raises."""
ONE_ACTIVITY: Final = "/v3/conversations/{conversationId}/activities/{activityId}"
ACTIVITIES: Final = "/v3/conversations/{conversationId}/activities"
_PROBE: Final = ("probe0conversation", "probe0activity")
"""Ids that msrest's formatting leaves as they are, to find where the ids go."""


def conversations_prefix(format_url: Callable[..., str]) -> str | None:
    """What comes before the conversation id in the activity URLs an msrest service client
    builds (its `format_url`, which the operation runs and then `_request` again). None
    when the base URL is one msrest's formatting refuses or reshapes around the ids."""
    conversation, activity = _PROBE
    try:
        one = format_url(format_url(ONE_ACTIVITY, conversationId=conversation, activityId=activity))
        every = format_url(format_url(ACTIVITIES, conversationId=conversation))
    except (KeyError, IndexError, ValueError):
        return None
    prefix, found, rest = one.partition(conversation)
    if (
        not found
        or rest != f"/activities/{activity}"
        or every != f"{prefix}{conversation}/activities"
    ):
        return None
    return prefix


def path_segment(value: object) -> str | None:
    """An id as msrest puts it in the path (`quoted`). None for an id msrest would refuse
    (not a string) or whose segment its `urljoin` rewrites: an empty one is dropped, `.`
    and `..` are resolved."""
    if type(value) is not str:
        return None
    segment = quoted(value)
    return None if segment in ("", ".", "..") else segment


def resource_response(answer: Any, deserializer: Deserializer) -> ResourceResponse | None:
    """The channel's answer to a send as the SDK reads it: `{"id": ...}` directly, any
    other answer (none, other keys) by the client's deserializer."""
    if type(answer) is dict and len(answer) == 1 and type(answer.get("id")) is str:
        return ResourceResponse(id=answer["id"])
    read: ResourceResponse | None = deserializer._deserialize("ResourceResponse", answer)
    return read


class DirectConversations:
    """A ConnectorClient's `conversations` whose sends take the direct path; every other
    attribute is the SDK's operations object's."""

    def __init__(self, sdk: Any, session: SessionProvider, timeout_seconds: float) -> None:
        self._sdk = sdk
        self._config = sdk.config
        self._prefix = conversations_prefix(sdk._client.format_url)
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    def __getattr__(self, name: str) -> Any:
        if name == "_sdk":  # not set yet (a copy being built): no endless lookup
            raise AttributeError(name)
        return getattr(self._sdk, name)

    async def send_to_conversation(
        self, conversation_id: str, activity: Activity, **options: Any
    ) -> Any:
        conversation = self._conversation(conversation_id, options)
        if conversation is None:
            return await self._sdk.send_to_conversation(conversation_id, activity, **options)
        return await self._send("POST", f"{self._prefix}{conversation}/activities", activity)

    async def reply_to_activity(
        self, conversation_id: str, activity_id: str, activity: Activity, **options: Any
    ) -> Any:
        url = self._activity_url(conversation_id, activity_id, options)
        if url is None:
            return await self._sdk.reply_to_activity(
                conversation_id, activity_id, activity, **options
            )
        return await self._send("POST", url, activity, conversation_id)

    async def update_activity(
        self, conversation_id: str, activity_id: str, activity: Activity, **options: Any
    ) -> Any:
        url = self._activity_url(conversation_id, activity_id, options)
        if url is None:
            return await self._sdk.update_activity(
                conversation_id, activity_id, activity, **options
            )
        return await self._send("PUT", url, activity)

    def _activity_url(
        self, conversation_id: object, activity_id: object, options: dict[str, Any]
    ) -> str | None:
        """One activity's URL; None when the SDK sends it instead (`_conversation`,
        `path_segment`)."""
        conversation = self._conversation(conversation_id, options)
        segment = path_segment(activity_id)
        if conversation is None or segment is None:
            return None
        return f"{self._prefix}{conversation}/activities/{segment}"

    def _conversation(self, conversation_id: object, options: dict[str, Any]) -> str | None:
        """The conversation's path segment, when this send can take the direct path."""
        if options or self._prefix is None or self._config.enable_http_logger:
            return None
        return path_segment(conversation_id)

    async def _send(
        self, method: str, url: str, activity: Activity, conversation_id: str | None = None
    ) -> ResourceResponse | None:
        headers = {"Accept": "application/json", "Content-Type": "application/json; charset=utf-8"}
        if conversation_id is not None:
            headers["x-ms-conversation-id"] = conversation_id
        body = activity_json(self._sdk._serialize.body(activity, "Activity"))
        headers["Content-Length"] = str(len(body))
        headers["User-Agent"] = self._config.user_agent_policy.user_agent
        token = await bearer_token(self._config.credentials)
        if token is not None:
            headers["Authorization"] = token
        async with self._session().request(
            method, url, headers=headers, data=body, timeout=self._timeout
        ) as answer:
            content = await answer.read()
            status, reason, answer_headers = answer.status, answer.reason, answer.headers
        if status not in ACCEPTED:
            request = ClientRequest(method, url, headers, data=body)
            response = BufferedResponse(request, status, answer_headers, reason, content)
            raise ErrorResponseException(self._sdk._deserialize, response)
        try:
            read = RawDeserializer.deserialize_from_http_generics(
                content.decode("utf-8-sig"), answer_headers
            )
        except (DeserializationError, UnicodeDecodeError):
            # The channel took the message and said so; only its id is unreadable.
            logger.warning("the channel took a message (HTTP %d) with an unreadable answer", status)
            return None
        return resource_response(read, self._sdk._deserialize)


def use_direct_sends(
    client: ConnectorClient, session: SessionProvider, timeout_seconds: float
) -> None:
    """Give a ConnectorClient (its serializer already direct) the direct send path."""
    client.conversations = DirectConversations(client.conversations, session, timeout_seconds)
