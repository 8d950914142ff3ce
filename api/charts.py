"""GET /api/charts/{token}.png: a stored history chart, for anyone holding its token.

No authentication: the token (192 random bits) is the secret, and a chart says only how
a public price moved. The token's shape is checked before the store is asked.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Awaitable, Callable, Final

from aiohttp import web

from domain.clock import Clock
from state.interfaces import StoredChart

TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{32,64}")
"""What secrets.token_urlsafe(24 or more) writes."""

ChartLookup = Callable[[str], Awaitable[StoredChart | None]]


def chart_handler(
    lookup: ChartLookup, clock: Clock
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        name = request.match_info.get("name", "")
        token = name[: -len(".png")] if name.endswith(".png") else ""
        if not TOKEN.fullmatch(token):
            return _not_found("no such chart")
        chart = await lookup(token)
        if chart is None:
            return _not_found("no such chart, or it has expired")
        return web.Response(
            body=chart.png,
            content_type="image/png",
            headers={
                "Cache-Control": f"public, max-age={_max_age(chart, clock())}, immutable",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return handle


def _max_age(chart: StoredChart, now: datetime) -> int:
    return max(0, int((chart.expires_at - now).total_seconds()))


def _not_found(reason: str) -> web.Response:
    return web.json_response(
        {"error": reason},
        status=404,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
