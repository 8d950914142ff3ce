"""POST /api/messages: check the request at the edge, then hand it to the SDK adapter."""

from __future__ import annotations

import json
import logging
from typing import Final

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter

logger = logging.getLogger(__name__)

MAX_ACTIVITY_BYTES: Final = 1024 * 1024
"""The app is built with this client_max_size, so aiohttp refuses larger bodies."""
NEEDS_SERVICE_URL: Final = frozenset({"message", "conversationUpdate", "event", "invoke"})


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def activity_problem(body: object) -> str | None:
    """Why a decoded JSON body is not an activity we can process, or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object (an activity)"
    kind = body.get("type")
    if not isinstance(kind, str) or not kind:
        return "the activity has no type"
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        return "the activity has no conversation id"
    if kind in NEEDS_SERVICE_URL and not isinstance(body.get("serviceUrl"), str):
        return "the activity has no serviceUrl"
    for field in ("text", "channelId", "id"):
        if field in body and body[field] is not None and not isinstance(body[field], str):
            return f"the activity's {field} must be a string"
    for field in ("from", "recipient"):
        if field in body and body[field] is not None and not isinstance(body[field], dict):
            return f"the activity's {field} must be an object"
    return None


def messages_handler(adapter: CloudAdapter, bot: Bot):  # type: ignore[no-untyped-def]
    async def messages(request: web.Request) -> web.StreamResponse:
        if request.content_type != "application/json":
            return _error(415, "Content-Type must be application/json")
        try:
            raw = await request.read()  # cached: the adapter reads it again via request.json()
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"an activity may be at most {MAX_ACTIVITY_BYTES} bytes")
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            return _error(400, "the body is not valid JSON")
        problem = activity_problem(body)
        if problem:
            return _error(400, problem)
        response = await adapter.process(request, bot)
        return response if response is not None else web.Response(status=201)

    return messages
