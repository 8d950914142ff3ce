"""Every error the app answers with is JSON: {"error": "..."}, never a page or a traceback."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

from aiohttp import web

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_BODY_HEADERS = frozenset({"content-type", "content-length"})


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp's own errors (unknown route, wrong method, body too large) as JSON."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        headers = {k: v for k, v in error.headers.items() if k.lower() not in _BODY_HEADERS}
        return web.json_response(
            {"error": error.reason.lower()}, status=error.status, headers=headers
        )
    except Exception:
        logger.exception("unhandled error serving %s %s", request.method, request.path)
        return web.json_response({"error": "internal error"}, status=500)
