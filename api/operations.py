"""Operator endpoints: /healthz, /metrics and the admin /api/notify."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any, Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.admin_auth import is_authorized, unauthorized
from metrics import Metrics
from watchers.delivery import DeliveryReport
from watchers.poller import PollReport

logger = logging.getLogger(__name__)

ANOTHER_INSTANCE_POLLS = "another instance of the fleet holds the poll lease and polls"
"""Why /api/notify did not poll; it ran the delivery all the same."""

HealthCheck = Callable[[], Awaitable[dict[str, Any]]]
PollNow = Callable[[], Awaitable[tuple[PollReport | None, DeliveryReport]]]
AlertCounts = Callable[[], Awaitable[dict[str, int]]]
Handler = Callable[[web.Request], Awaitable[web.Response]]


def health_handler(check: HealthCheck) -> Handler:
    async def healthz(request: web.Request) -> web.Response:
        report = await check()
        healthy = report["store"] == "ok" and report["scheduler"] == "ok"
        return web.json_response(
            {"status": "ok" if healthy else "unavailable", **report},
            status=200 if healthy else 503,
        )

    return healthz


def notify_handler(poll_now: PollNow, admin_token: str) -> Handler:
    async def notify(request: web.Request) -> web.Response:
        if not is_authorized(request, admin_token):
            return unauthorized()
        poll, delivery = await poll_now()
        logger.info("poll and delivery run on request: %s %s", poll, delivery)
        if poll is None:
            return web.json_response(
                {"poll": None, "poll_skipped": ANOTHER_INSTANCE_POLLS, "delivery": asdict(delivery)}
            )
        return web.json_response({"poll": asdict(poll), "delivery": asdict(delivery)})

    return notify


def metrics_handler(metrics: Metrics, alert_counts: AlertCounts) -> Handler:
    async def serve_metrics(request: web.Request) -> web.Response:
        for state, count in (await alert_counts()).items():
            metrics.alerts.labels(state).set(count)
        return web.Response(
            body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    return serve_metrics
