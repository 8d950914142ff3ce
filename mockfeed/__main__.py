"""The mock feed on its own, so several bot instances can share one market.

    python -m mockfeed --port 4000 [--host 127.0.0.1] [--admin-token T] [--no-drift]

Serves the same routes as the app's own feed under /feed (point PRICE_FEED_URL at
http://HOST:PORT/feed), plus GET /feed/stats: how many price requests asked for each
product. Without --admin-token it takes ADMIN_TOKEN, or generates one and prints it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import secrets
from typing import AsyncIterator, Callable, Sequence

from aiohttp import web

from mockfeed.catalog import default_catalog
from mockfeed.market import Market
from mockfeed.routes import add_feed_routes

logger = logging.getLogger(__name__)

DRIFT_EVERY_SECONDS = 10.0
"""As often as the app's own mock feed drifts."""


def build(market: Market, admin_token: str, drift_every_seconds: float | None) -> web.Application:
    """The feed app over `market`; its prices drift every so often unless that is None."""
    app = web.Application()
    add_feed_routes(app, market, admin_token, serve_stats=True)
    if drift_every_seconds is not None:
        app.cleanup_ctx.append(_drifting(market, drift_every_seconds))
    return app


def _drifting(
    market: Market, every_seconds: float
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_drift(market, every_seconds))
        yield
        task.cancel()

    return lifecycle


async def _drift(market: Market, every_seconds: float) -> None:
    while True:
        await asyncio.sleep(every_seconds)
        market.drift()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mockfeed", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--admin-token", default=os.environ.get("ADMIN_TOKEN", "").strip())
    parser.add_argument("--no-drift", action="store_true", help="prices change only when set")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    admin_token = args.admin_token or secrets.token_urlsafe(24)
    if not args.admin_token:
        print(f"No --admin-token or ADMIN_TOKEN; generated one:\n  {admin_token}", flush=True)
    market = Market(default_catalog(), random.Random())
    app = build(market, admin_token, None if args.no_drift else DRIFT_EVERY_SECONDS)
    print(f"Mock price feed on http://{args.host}:{args.port}/feed", flush=True)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
