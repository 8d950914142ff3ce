"""POST /api/messages: check the request at the edge, then hand the activity to the SDK.

Everything a caller controls is checked here, before the SDK sees it: the SDK answers
a malformed body or a garbage token with an exception (a 500), not with a 4xx. The
checks run cheapest first, and the costly one (msrest's decoding) last, after the token:
a body under 1 MB could otherwise hold the event loop for seconds (README, "What a
stranger can make the bot do").
"""

from __future__ import annotations

import json
import logging
from typing import AbstractSet, Final
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import Bot, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication

from api.activity_decoding import ActivityDecoder, DecoderBusy, MalformedActivity
from api.activity_shape import TooCostly, check_brackets, count_values
from api.service_urls import service_url_problem
from settings import Origin

logger = logging.getLogger(__name__)

MAX_ACTIVITY_BYTES: Final = 1024 * 1024
"""The app is built with this client_max_size, so aiohttp refuses larger bodies."""
NEEDS_SERVICE_URL: Final = frozenset({"message", "conversationUpdate", "event", "invoke"})
RETRY_SOON: Final = {"Retry-After": "5"}


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": reason}, status=status, headers=headers)


def _unauthorized(reason: str) -> web.Response:
    return _error(401, reason, headers={"WWW-Authenticate": "Bearer"})


def activity_problem(body: object) -> str | None:
    """Why a decoded JSON body is not an activity we can process, or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object (an activity)"
    kind = body.get("type")
    if not _is_text(kind):
        return "the activity has no type"
    if not _is_text(body.get("channelId")):
        return "the activity has no channelId"
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not _is_text(conversation.get("id")):
        return "the activity has no conversation id"
    service_url = body.get("serviceUrl")
    if service_url is None and kind in NEEDS_SERVICE_URL:
        return "the activity has no serviceUrl"
    if service_url is not None and not _is_http_url(service_url):
        return "the activity's serviceUrl must be an http(s) URL"
    for field in ("text", "id"):
        if field in body and body[field] is not None and not isinstance(body[field], str):
            return f"the activity's {field} must be a string"
    for field in ("from", "recipient"):
        if field in body and body[field] is not None and not isinstance(body[field], dict):
            return f"the activity's {field} must be an object"
    return None


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value)


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme in {"http", "https"} and bool(parts.hostname)
    except ValueError:
        return False


async def authenticate(
    auth: BotFrameworkAuthentication, body: dict[str, object], authorization: str
) -> AuthenticateRequestResult | web.Response:
    """The verdict on the request's token, or the response refusing it.

    Decided before the body is decoded: a token is checked against the activity's
    channelId and serviceUrl alone, so those two are all `auth` is given here.
    """
    addressed = Activity(channel_id=body["channelId"], service_url=body.get("serviceUrl"))
    try:
        return await auth.authenticate_request(addressed, authorization)
    except ConnectionError:  # no signing keys yet: connector/signing_keys.py fetches them
        return _error(503, "the bot cannot check tokens right now; try again later", RETRY_SOON)
    except PermissionError as refused:  # connector/inbound_tokens.py: reasons a caller may read
        return _unauthorized(str(refused.args[0]) if refused.args else "invalid token")
    except Exception as error:  # anything else refuses too: fail closed
        logger.warning("refused a request to /api/messages: %s", type(error).__name__)
        return _unauthorized("missing or invalid Bot Framework token")


def messages_handler(  # type: ignore[no-untyped-def]
    adapter: CloudAdapter,
    bot: Bot,
    decoder: ActivityDecoder,
    unsigned_service_urls: AbstractSet[Origin] | None = None,
):
    """`unsigned_service_urls`: without Bot Framework authentication, the origins besides
    loopback a serviceUrl may name (api/service_urls.py); None when the SDK checks tokens."""

    async def messages(request: web.Request) -> web.StreamResponse:
        if request.content_type != "application/json":
            return _error(415, "Content-Type must be application/json")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"an activity may be at most {MAX_ACTIVITY_BYTES} bytes")
        try:
            check_brackets(raw)
            body = json.loads(raw)
        except TooCostly as refused:
            return _error(400, str(refused))
        except (UnicodeDecodeError, ValueError):
            return _error(400, "the body is not valid JSON")
        except RecursionError:
            return _error(400, "the body nests too deeply")
        problem = activity_problem(body)
        if problem:
            return _error(400, problem)
        if unsigned_service_urls is not None:
            problem = service_url_problem(body.get("serviceUrl"), unsigned_service_urls)
            if problem:
                return _error(403, problem)
        try:
            values = count_values(body)
        except TooCostly as refused:
            return _error(400, str(refused))
        auth = await authenticate(
            adapter.bot_framework_authentication, body, request.headers.get("Authorization", "")
        )
        if isinstance(auth, web.Response):
            return auth
        try:
            activity = await decoder.decode(body, values, len(raw))
        except MalformedActivity as refused:
            return _error(400, str(refused))
        except DecoderBusy:
            return _error(503, "too many large activities at once; try again later", RETRY_SOON)
        invoke_response = await adapter.process_activity(auth, activity, bot.on_turn)
        if invoke_response:
            return web.json_response(
                serializer_helper(invoke_response.body), status=invoke_response.status
            )
        return web.Response(status=201)

    return messages
