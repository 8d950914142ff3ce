"""Operator endpoints: /healthz and the admin /api/notify."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Awaitable, Callable

from aiohttp import web

from api.admin_auth import is_authorized, unauthorized
from watchers.delivery import DeliveryReport
from watchers.poller import PollReport

logger = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[dict[str, str]]]
PollNow = Callable[[], Awaitable[tuple[PollReport, DeliveryReport]]]


def health_handler(check: HealthCheck):  # type: ignore[no-untyped-def]
    async def healthz(request: web.Request) -> web.Response:
        parts = await check()
        healthy = all(state == "ok" for state in parts.values())
        return web.json_response(
            {"status": "ok" if healthy else "unavailable", **parts},
            status=200 if healthy else 503,
        )

    return healthz


def notify_handler(poll_now: PollNow, admin_token: str):  # type: ignore[no-untyped-def]
    async def notify(request: web.Request) -> web.Response:
        if not is_authorized(request, admin_token):
            return unauthorized()
        poll, delivery = await poll_now()
        logger.info("poll and delivery run on request: %s %s", poll, delivery)
        return web.json_response({"poll": asdict(poll), "delivery": asdict(delivery)})

    return notify
