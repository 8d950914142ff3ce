"""PriceWatch: wires the bot, the watcher jobs, the store and the mock feed into one aiohttp app."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import os
import random
import socket
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, AsyncIterator, Awaitable, Callable, Final, Mapping, NoReturn, TextIO

from aiohttp import ClientSession, web
from aiohttp.abc import AbstractResolver
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from botbuilder.core import Storage, TurnContext

from api.access_log import RedactingAccessLogger
from api.activity_decoding import ActivityDecoder
from api.bot_page import bot_page
from api.charts import chart_handler
from api.errors import json_errors
from api.messages import MAX_ACTIVITY_BYTES, messages_handler
from api.operations import health_handler, metrics_handler, notify_handler
from bots.bot_storage import StoreStorage
from bots.conversation_state import PickleHashedConversationState
from bots.price_watch_bot import PriceWatchBot
from bots.proactive import BotProactiveTurns
from charts.service import ChartService
from connector.adapter import AcyclicCloudAdapter
from connector.pooled_auth import SEND_TIMEOUT_SECONDS, PooledBotFrameworkAuthentication
from connector.send_failures import classify, is_send_failure
from connector.signing_keys import BotFrameworkKeys, OpenIdMetadataUrls
from dialogs import texts
from dialogs.history_reply import HistoryReplies
from domain.clock import Clock, utc_now
from feed.catalog import Catalog
from feed.client import HttpPriceFeed
from metrics import Metrics
from mockfeed import Market, add_feed_routes, default_catalog
from outbox.in_turn import AlertsInTurn
from outbox.leases import Leases, LeaseTerms
from outbox.outcomes import Outcomes
from outbox.pacing import conversation_pacer, tenant_pacer
from outbox.retry import RetryPolicy
from settings import Settings, SettingsError, is_loopback, url_host
from shops.fetcher import FetchTerms, PoliteFetcher
from shops.pages import PageTerms, ShopPages
from state.interfaces import LeaseLost, Store
from state.postgres import PostgresStore
from state.private_files import write_private_file
from state.sqlite import SqliteStore
from watchers.alert_facts import AlertFactsProvider, ChartUrl, LowsSince
from watchers.delivery import Deliverer, DeliveryReport, Pacing
from watchers.departures import Departures
from watchers.job_guard import guarded
from watchers.poll_lead import PollLead
from watchers.poller import Poller, PollReport
from watchers.prices import Prices
from watchers.retention import Retention
from watchers.watchlist import Watchlist

logger = logging.getLogger(__name__)

DELIVERY_INTERVAL_SECONDS = 1
DRIFT_INTERVAL_SECONDS = 10
CHECKPOINT_INTERVAL_SECONDS = 5
PRUNE_INTERVAL_SECONDS = 3600
PAGES_INTERVAL_SECONDS = 10
"""How often due shop pages are fetched (each host at most once a SHOP_MIN_INTERVAL_SECONDS)."""
SIGNING_KEYS_INTERVAL_SECONDS = 60
SHUTDOWN_GRACE_SECONDS = 5.0
CANNOT_LISTEN = frozenset({errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES})
"""Errors binding HOST:PORT (taken, not this machine's, privileged): a setting, not a bug."""


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

    store: Store
    bot: PriceWatchBot
    poller: Poller
    deliverer: Deliverer
    scheduler: AsyncIOScheduler
    clock: Clock
    lead: PollLead
    retention: Retention
    signing_keys: BotFrameworkKeys
    charts: ChartService
    pages: ShopPages
    last_poll: PollReport | None = None
    last_poll_at: datetime | None = None
    _poll_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def poll(self, read_pages: bool = False) -> PollReport | None:
        """A poll now, due or not (/api/notify, tests); None when another instance of the
        fleet holds the poll lease: that one polls, and a second poll at once would only
        race it. `read_pages`: every watched shop page is fetched first (each host still
        one request at a time, its gap apart)."""
        return await self._poll(self.lead.take, read_pages)

    async def poll_and_deliver(self) -> tuple[PollReport | None, DeliveryReport]:
        """Every watched page read, a poll, then a delivery tick that waits for its turns
        (/api/notify reports them)."""
        poll = await self.poll(read_pages=True)
        return poll, await self.deliverer.tick()

    async def refresh_pages(self) -> None:
        """The shop pages that are due, fetched by the instance that polls (so a fleet
        fetches each page once)."""
        if self.lead.leading:
            await self.pages.refresh()

    async def poll_and_dispatch(self) -> None:
        """The scheduled poll, on the instance that leads: its new alerts start on their
        way at once, and the next poll does not wait for them to arrive."""
        if await self._poll(self.lead.due) is not None:
            await self.deliverer.dispatch()

    async def _poll(
        self, take_lease: Callable[[], Awaitable[bool]], read_pages: bool = False
    ) -> PollReport | None:
        """One poll at a time in this process (the lock), and in the fleet (the lease,
        held until the poll ends)."""
        async with self._poll_lock:
            was_leading = self.lead.leading
            if not await take_lease():
                return None
            if not was_leading:  # another instance may have polled since this one did
                self.poller.forget()

            async def tick() -> PollReport:
                if not read_pages:
                    return await self.poller.tick()
                pages = await self.pages.refresh(everything=True)
                return replace(await self.poller.tick(), pages=pages.as_dict())

            try:
                report = await self.lead.run(tick)
            except LeaseLost as lost:
                logger.warning("%s", lost)
                return None
        if report.evaluated >= FULL_COLLECTION_AFTER_PRODUCTS:
            gc.collect()  # see FULL_COLLECTION_AFTER_PRODUCTS
        self.last_poll, self.last_poll_at = report, self.clock()
        return report

    async def health(self) -> dict[str, Any]:
        try:
            await self.store.ping()
            store = "ok"
        except Exception:
            logger.exception("health check: the store does not answer")
            store = "failing"
        report: dict[str, Any] = {
            "store": store,
            "scheduler": "ok" if self.scheduler.running else "stopped",
            "jobs": sorted(job.id for job in self.scheduler.get_jobs()),
        }
        if self.last_poll is not None and self.last_poll_at is not None:
            report["last_poll"] = {
                "at": self.last_poll_at.isoformat(),
                "feed": "failing" if self.last_poll.feed_error else "ok",
            }
        return report


ENGINE = web.AppKey("engine", Engine)


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """Log it; tell the user only on a message turn whose sends still work."""
    if is_send_failure(error):
        # The channel failed a send: one line, and nothing more is sent there.
        logger.warning(
            "a send to %s failed: %s",
            context.activity.service_url,
            classify(error, utc_now()).description,
        )
        return
    logger.error("unhandled error in a turn", exc_info=error)
    if context.activity.type != "message":
        return  # a proactive turn: its alerts' outcome is recorded by the outbox
    try:
        await context.send_activity(texts.SOMETHING_WENT_WRONG)
    except Exception:
        logger.warning("could not tell the user about the error either")


def create_app(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    rng: random.Random | None = None,
    run_scheduler: bool = True,
    send_timeout_seconds: float = SEND_TIMEOUT_SECONDS,
    bot_state_storage: Storage | None = None,
    store: Store | None = None,
    lease_terms: LeaseTerms = LeaseTerms(),
    openid_metadata: OpenIdMetadataUrls = OpenIdMetadataUrls(),
    lows_since: LowsSince | None = None,
    chart_url: ChartUrl | None = None,
    shop_resolver: AbstractResolver | None = None,
) -> web.Application:
    """The whole app. `store` (unopened; the app opens and closes it) replaces the one
    DATABASE_URL names; `bot_state_storage` replaces the store's bot state (the chat
    benchmark compares against botbuilder's MemoryStorage); `lease_terms` lets a test
    with a fake clock renew claims on that clock; `openid_metadata` points token checks
    at a stand-in for Microsoft's signing keys; `lows_since` and `chart_url` give alert
    cards the 90-day low and the price chart; `shop_resolver` turns shop host names into
    addresses (tests point theirs at stand-in shops; the addresses are checked anyway)."""
    app = web.Application(client_max_size=MAX_ACTIVITY_BYTES, middlewares=[json_errors])
    rng = rng or random.Random()
    market = Market(default_catalog(), rng)
    metrics = Metrics()
    signing_keys = BotFrameworkKeys.fetched_from(openid_metadata, clock)
    auth = PooledBotFrameworkAuthentication(
        _AdapterSettings(settings),
        signing_keys=signing_keys,
        send_timeout_seconds=send_timeout_seconds,
    )
    adapter = AcyclicCloudAdapter(auth)
    adapter.on_turn_error = on_turn_error
    decoder = ActivityDecoder()

    chosen_store = store or store_for(settings)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        # Sends go over aiohttp, but token lookups (MSAL) and the SDK's own blocking calls
        # use the loop's default executor (6 threads here): size it for our concurrency.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(settings.delivery_concurrency + 4, thread_name_prefix="send")
        )
        await chosen_store.open()
        store = chosen_store
        if settings.app_id:
            signing_keys.start()
        session = ClientSession()
        feed = HttpPriceFeed(session, settings.feed_url(), max_bytes=settings.feed_max_bytes)
        # Charts render on threads of their own: a render never waits behind a send.
        chart_threads = ThreadPoolExecutor(2, thread_name_prefix="chart")
        charts = ChartService(
            store.history, store.charts, clock, settings.base_url(), executor=chart_threads
        )
        fetcher = PoliteFetcher(
            FetchTerms(
                settings.user_agent(),
                min_interval_seconds=settings.shop_min_interval_seconds,
                allowed_hosts=settings.allowed_shop_hosts,
            ),
            resolver=shop_resolver,
        )
        pages = ShopPages(
            store.pages,
            fetcher,
            clock,
            PageTerms(settings.shop_poll_interval_seconds, PAGES_INTERVAL_SECONDS),
            rng,
        )
        prices = Prices(feed, pages)
        catalog = Catalog(prices, clock)
        watchlist = Watchlist(store.watches, prices, clock, settings.max_watches_per_user)
        outcomes = Outcomes(
            store.outbox,
            store.references,
            clock,
            RetryPolicy(rng=rng),
            metrics,
            events=store.events,
        )
        leases = Leases(store.outbox, clock, lease_terms)
        departures = Departures(
            watchlist,
            store.outbox,
            outcomes,
            store.references,
            clock,
            settings.alert_retention_days,
        )
        bot = PriceWatchBot(
            conversation_state=PickleHashedConversationState(
                bot_state_storage or StoreStorage(store.bot_state)
            ),
            references=store.references,
            bot_state=store.bot_state,
            locks=store.locks,
            catalog=catalog,
            watchlist=watchlist,
            alerts=AlertsInTurn(
                leases,
                outcomes,
                clock,
                settings.alert_hold_seconds,
                store.watches.by_ids,
                gone=departures.roster_refused,
            ),
            clock=clock,
            default_drop=settings.drop_threshold_percent,
            turn_wait_seconds=send_timeout_seconds,
            alert_facts=AlertFactsProvider(
                clock,
                lows_since or store.history.lows_since,
                chart_url or _chart_url_of(charts),
            ),
            history=HistoryReplies(watchlist, catalog, charts, clock),
            pages=pages,
            outbox=store.outbox,
            price_history=store.history,
            events=store.events,
            departures=departures,
            personal=store.personal,
        )
        deliverer = Deliverer(
            store.outbox,
            store.references,
            store.locks,
            leases,
            BotProactiveTurns(adapter, bot, settings.app_id, clock),
            outcomes,
            Pacing(
                per_conversation=conversation_pacer(settings.conversation_max_per_second),
                per_channel=tenant_pacer(settings.delivery_max_per_second),
            ),
            concurrency=settings.delivery_concurrency,
        )
        lead = PollLead(store.jobs, clock, settings.poll_interval_seconds)
        engine = Engine(
            store=store,
            bot=bot,
            poller=Poller(store.watches, prices, clock, metrics, lease=lead.lease, pages=pages),
            deliverer=deliverer,
            scheduler=AsyncIOScheduler(timezone="UTC"),
            clock=clock,
            lead=lead,
            retention=Retention(
                store.outbox,
                clock,
                settings.alert_retention_days,
                watches=store.watches,
                history=store.history,
                history_days=settings.price_history_days,
                charts=store.charts,
                events=store.events,
            ),
            signing_keys=signing_keys,
            charts=charts,
            pages=pages,
        )
        app[ENGINE] = engine
        if run_scheduler:
            _schedule(engine, market, settings)
        engine.scheduler.start(paused=not run_scheduler)
        try:
            yield
        finally:
            # Pause first: shutting APScheduler down cancels its running jobs, sends included.
            engine.scheduler.pause()
            await deliverer.drain(SHUTDOWN_GRACE_SECONDS)
            leases.stop()
            engine.scheduler.shutdown(wait=False)
            await auth.close()
            await signing_keys.close()
            decoder.close()
            chart_threads.shutdown(wait=False, cancel_futures=True)
            await fetcher.close()
            await session.close()
            await store.close()

    app.cleanup_ctx.append(lifecycle)

    # Without authentication nothing vouches for a serviceUrl: only loopback and the listed.
    unsigned_service_urls = None if settings.authenticated else settings.allowed_service_urls

    async def messages(request: web.Request) -> web.StreamResponse:
        bot = request.app[ENGINE].bot
        return await messages_handler(adapter, bot, decoder, unsigned_service_urls)(request)

    async def healthz(request: web.Request) -> web.Response:
        return await health_handler(request.app[ENGINE].health)(request)

    async def notify(request: web.Request) -> web.Response:
        engine = request.app[ENGINE]
        return await notify_handler(engine.poll_and_deliver, settings.admin_token)(request)

    async def serve_metrics(request: web.Request) -> web.Response:
        return await metrics_handler(metrics, request.app[ENGINE].store.outbox.counts)(request)

    async def chart(request: web.Request) -> web.Response:
        return await chart_handler(request.app[ENGINE].charts.chart, clock)(request)

    app.router.add_post("/api/messages", messages)
    app.router.add_get("/api/charts/{name}", chart)
    app.router.add_get("/api/notify", notify)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/bot", bot_page)
    app.router.add_get("/metrics", serve_metrics)
    add_feed_routes(app, market, settings.admin_token)
    return app


def _chart_url_of(charts: ChartService) -> ChartUrl:
    async def chart_url(
        product_id: str, currency: str, zone: str | None, not_before: datetime | None
    ) -> str | None:
        return await charts.url_for(product_id, currency=currency, zone=zone, not_before=not_before)

    return chart_url


def store_for(settings: Settings) -> Store:
    """The store DATABASE_URL names, unopened: PostgreSQL for a fleet, else a SQLite file."""
    if settings.uses_postgres:
        return PostgresStore(settings.database_url)
    return SqliteStore(settings.database_path())


def _schedule(engine: Engine, market: Market, settings: Settings) -> None:
    every = settings.poll_interval_seconds

    def add(job_id: str, job: Callable[[], Any], seconds: float, grace: float) -> None:
        """A fixed interval job that never stacks: missed runs collapse into one."""
        engine.scheduler.add_job(
            job,
            "interval",
            seconds=seconds,
            id=job_id,
            misfire_grace_time=grace,
            coalesce=True,
            max_instances=1,
        )

    # The poll asks twice an interval: see watchers/poll_lead.py.
    add("poll", guarded("poll", engine.poll_and_dispatch), every / 2, max(every, 5))
    add("deliver", guarded("deliver", engine.deliverer.dispatch), DELIVERY_INTERVAL_SECONDS, 5)
    add("pages", guarded("pages", engine.refresh_pages), PAGES_INTERVAL_SECONDS, 60)
    add(
        "checkpoint",
        guarded("checkpoint", engine.store.checkpoint),
        CHECKPOINT_INTERVAL_SECONDS,
        CHECKPOINT_INTERVAL_SECONDS,
    )
    add(
        "prune",
        guarded("prune", engine.retention.tick),
        PRUNE_INTERVAL_SECONDS,
        PRUNE_INTERVAL_SECONDS,
    )
    if settings.app_id:
        add(
            "signing-keys",
            guarded("signing-keys", engine.signing_keys.tick),
            SIGNING_KEYS_INTERVAL_SECONDS,
            SIGNING_KEYS_INTERVAL_SECONDS,
        )
    if settings.mock_feed_drift:
        add("drift", market.drift, DRIFT_INTERVAL_SECONDS, DRIFT_INTERVAL_SECONDS)


GC_YOUNG_OBJECTS: Final = 50_000
"""New objects between two passes of the garbage collector over the young ones (Python's
default: 700). A turn frees what it made as it ends (connector/adapter.py), so a pass finds
almost no garbage: it only walks the objects of the turns in flight, again and again. At
700 that walking was about a fifth of a fan-out's CPU (1000 alerts, three runs each: a
median 1.3 ms an alert, against 1.0 ms at 20,000 and 0.9 to 1.2 ms at 50,000 to 100,000);
what waits for a pass is the few cycles the SDK still makes."""


FULL_COLLECTION_AFTER_PRODUCTS: Final = 1000
"""A poll that evaluated this many products (a first look at every watch, after a start)
is followed by a full garbage collection. It finds no garbage, but it empties CPython's
free lists, whose few cached objects otherwise keep the memory of the poll's many ones
from going back to the system: 6 MB of 100,000 watches' first look, for 2 ms."""


async def _freeze_what_started(app: web.Application) -> None:
    """What the process holds once started (modules, the SDK, the store, the scheduler)
    lives as long as it does: leave it out of the garbage collector's full passes, which
    otherwise walk it all again every time turns' objects pile up (gc.freeze). And pass
    over the young objects less often (`GC_YOUNG_OBJECTS`)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_OBJECTS, middle, old)


def main() -> None:
    settings = start_up(os.environ, sys.stdout, sys.stderr)
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if not settings.authenticated and not is_loopback(settings.host):
        logger.warning(
            "ALLOW_UNAUTHENTICATED is on: MicrosoftAppId is empty and HOST=%s is not loopback,"
            " so anyone who can reach the port can post as any conversation (serviceUrl limited"
            " to loopback and ALLOWED_SERVICE_URLS)",
            settings.host,
        )
    app = create_app(settings)
    app.on_startup.append(_freeze_what_started)
    try:
        web.run_app(
            app,
            host=settings.host,
            port=settings.port,
            print=None,
            access_log_class=RedactingAccessLogger,
        )
    except OSError as error:
        if not isinstance(error, socket.gaierror) and error.errno not in CANNOT_LISTEN:
            raise
        _refuse_to_start(
            f"Cannot listen on HOST={settings.host} PORT={settings.port}: {error.strerror}",
            sys.stderr,
        )


def start_up(environ: Mapping[str, str], stdout: TextIO, stderr: TextIO) -> Settings:
    """The settings, a generated admin token's file and the banner: what main() does before
    it configures logging and serves. Anything that stops the start is one line on stderr
    and exit status 2."""
    try:
        settings = Settings.from_env(environ)
    except SettingsError as error:
        _refuse_to_start(f"Configuration error: {error}", stderr)
    if settings.admin_token_generated:
        token_path = settings.admin_token_path()
        try:
            write_private_file(token_path, settings.admin_token + "\n")
        except OSError as error:
            _refuse_to_start(
                f"Cannot write the generated admin token to {token_path} ({error.strerror}):"
                " set ADMIN_TOKEN, or make that folder writable",
                stderr,
            )
        print(
            f"No ADMIN_TOKEN set; generated one for this run, in {token_path} (readable by"
            " you only; set ADMIN_TOKEN to choose your own)",
            file=stdout,
            flush=True,
        )
        if stdout.isatty():  # a terminal, not a log file
            print(f"  {settings.admin_token}", file=stdout, flush=True)
    print(
        f"PriceWatch listening on http://{url_host(settings.host)}:{settings.port}/api/messages"
        f" (feed: {settings.shown_feed_url()})",
        file=stdout,
        flush=True,
    )
    return settings


def _refuse_to_start(line: str, stderr: TextIO) -> NoReturn:
    print(line, file=stderr, flush=True)
    raise SystemExit(2)


if __name__ == "__main__":
    main()
