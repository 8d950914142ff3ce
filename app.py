"""PriceWatch: wires the bot, the watcher jobs, the store and the mock feed into one aiohttp app."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import sys
from dataclasses import dataclass
from typing import AsyncIterator

from aiohttp import ClientSession, web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from botbuilder.core import ConversationState, TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import ActivityTypes

from api.messages import MAX_ACTIVITY_BYTES, messages_handler
from api.operations import health_handler, notify_handler
from bots.alert_sender import AlertSender
from bots.price_watch_bot import PriceWatchBot
from dialogs import texts
from mockfeed import Market, add_feed_routes, default_catalog
from settings import Settings, SettingsError
from state.bot_storage import StoreStorage
from state.sqlite_store import SqliteStore
from watchers.catalog import Catalog
from watchers.clock import Clock, utc_now
from watchers.delivery import DeliveryReport, Deliverer
from watchers.feed import HttpPriceFeed
from watchers.poller import PollReport, Poller
from watchers.retry import RetryPolicy
from watchers.watchlist import Watchlist

logger = logging.getLogger(__name__)

DELIVERY_INTERVAL_SECONDS = 1
DRIFT_INTERVAL_SECONDS = 10


class _AdapterSettings:
    """The attribute names botbuilder's configuration classes read."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password
        self.APP_TYPE = settings.app_type
        self.APP_TENANTID = settings.app_tenant_id

    def __repr__(self) -> str:
        return f"_AdapterSettings(APP_ID={self.APP_ID!r}, APP_TYPE={self.APP_TYPE!r})"


@dataclass
class Engine:
    """The long-lived parts, reachable from the app so tests can run a tick."""

    store: SqliteStore
    adapter: CloudAdapter
    bot: PriceWatchBot
    poller: Poller
    deliverer: Deliverer
    market: Market
    scheduler: AsyncIOScheduler
    _tick_lock: asyncio.Lock

    async def poll_and_deliver(self) -> tuple[PollReport, DeliveryReport]:
        async with self._tick_lock:
            poll = await self.poller.tick()
            delivery = await self.deliverer.tick()
        return poll, delivery

    async def deliver(self) -> DeliveryReport:
        async with self._tick_lock:
            return await self.deliverer.tick()

    async def health(self) -> dict[str, str]:
        try:
            await self.store.ping()
            store = "ok"
        except Exception:
            logger.exception("health check: the store does not answer")
            store = "failing"
        return {"store": store, "scheduler": "ok" if self.scheduler.running else "stopped"}


ENGINE = web.AppKey("engine", Engine)


def make_error_handler(adapter: CloudAdapter):  # type: ignore[no-untyped-def]
    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        logger.error("unhandled error in a turn", exc_info=error)
        if context.activity.type != ActivityTypes.message or context.responded:
            return  # a proactive turn whose send failed must not try to send again
        try:
            await context.send_activity(texts.SOMETHING_WENT_WRONG)
        except Exception:
            logger.warning("could not tell the user about the error either")

    return on_turn_error


def create_app(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    rng: random.Random | None = None,
    run_scheduler: bool = True,
) -> web.Application:
    app = web.Application(client_max_size=MAX_ACTIVITY_BYTES)
    rng = rng or random.Random()
    market = Market(default_catalog(), rng)
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_AdapterSettings(settings)))
    adapter.on_turn_error = make_error_handler(adapter)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        store = SqliteStore(settings.database_path())
        await store.open()
        session = ClientSession()
        feed = HttpPriceFeed(session, settings.feed_url())
        retry = RetryPolicy(rng=rng)
        watchlist = Watchlist(store, feed, clock)
        bot = PriceWatchBot(
            conversation_state=ConversationState(StoreStorage(store)),
            store=store,
            catalog=Catalog(feed, clock),
            watchlist=watchlist,
            alerts=AlertSender(store, clock, retry, settings.alert_hold_seconds),
            clock=clock,
            default_drop=settings.drop_threshold_percent,
        )
        engine = Engine(
            store=store,
            adapter=adapter,
            bot=bot,
            poller=Poller(store, feed, clock),
            deliverer=Deliverer(store, adapter, bot, settings.app_id, clock, retry),
            market=market,
            scheduler=AsyncIOScheduler(timezone="UTC"),
            _tick_lock=asyncio.Lock(),
        )
        app[ENGINE] = engine
        if run_scheduler:
            _schedule(engine, settings)
            engine.scheduler.start()
        else:
            engine.scheduler.start(paused=True)
        try:
            yield
        finally:
            engine.scheduler.shutdown(wait=False)
            await session.close()
            await store.close()

    app.cleanup_ctx.append(lifecycle)

    async def messages(request: web.Request) -> web.StreamResponse:
        return await messages_handler(adapter, request.app[ENGINE].bot)(request)

    async def healthz(request: web.Request) -> web.Response:
        return await health_handler(request.app[ENGINE].health)(request)

    async def notify(request: web.Request) -> web.Response:
        engine = request.app[ENGINE]
        return await notify_handler(engine.poll_and_deliver, settings.admin_token)(request)

    app.router.add_post("/api/messages", messages)
    app.router.add_get("/api/notify", notify)
    app.router.add_get("/healthz", healthz)
    add_feed_routes(app, market, settings.admin_token)
    return app


def _schedule(engine: Engine, settings: Settings) -> None:
    every = settings.poll_interval_seconds
    jobs = engine.scheduler
    options = {"coalesce": True, "max_instances": 1, "misfire_grace_time": max(every, 5)}
    jobs.add_job(engine.poll_and_deliver, "interval", seconds=every, id="poll", **options)
    jobs.add_job(
        engine.deliver, "interval", seconds=DELIVERY_INTERVAL_SECONDS, id="deliver", **options
    )
    if settings.mock_feed_drift:
        jobs.add_job(
            engine.market.drift, "interval", seconds=DRIFT_INTERVAL_SECONDS, id="drift", **options
        )


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env(os.environ)
        settings.database_path()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    if settings.admin_token_generated:
        print(
            "No ADMIN_TOKEN set; generated one for this run (set ADMIN_TOKEN to choose your own):\n"
            f"  {settings.admin_token}",
            flush=True,
        )
    print(
        f"PriceWatch listening on http://{settings.host}:{settings.port}/api/messages"
        f" (feed: {settings.feed_url()})",
        flush=True,
    )
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main()
