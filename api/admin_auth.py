"""Bearer-token check shared by the admin endpoints."""

from __future__ import annotations

import hmac

from aiohttp import web


def is_authorized(request: web.Request, admin_token: str) -> bool:
    """True when the request carries `Authorization: Bearer <admin_token>`.

    An empty admin token never authorizes anything.
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not admin_token or scheme.lower() != "bearer":
        return False
    # compare_digest needs bytes for non-ASCII text; "replace" keeps odd input harmless.
    return hmac.compare_digest(
        token.strip().encode("utf-8", "replace"), admin_token.encode("utf-8", "replace")
    )


def unauthorized() -> web.Response:
    return web.json_response(
        {"error": "missing or wrong admin token"},
        status=401,
        headers={"WWW-Authenticate": "Bearer"},
    )
