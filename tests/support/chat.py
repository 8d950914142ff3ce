"""The bot on botbuilder's TestAdapter, with a real SQLite store and a stand-in feed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)

from bots.bot_storage import StoreStorage
from bots.conversation_state import PickleHashedConversationState
from bots.price_watch_bot import PriceWatchBot
from bots.proactive import BotProactiveTurns
from charts.service import ChartService
from dialogs.drop_parts import PartOf
from dialogs.history_reply import HistoryReplies
from feed.catalog import Catalog
from metrics import Metrics
from mockfeed import Market, default_catalog
from outbox.in_turn import AlertsInTurn
from outbox.leases import Leases
from outbox.outcomes import Outcomes
from outbox.pacing import Pacer
from outbox.retry import RetryPolicy
from shops.pages import PageTerms, ShopPages
from state.interfaces import Store
from tests.support.clock import FakeClock
from tests.support.facts import no_chart, no_lows
from tests.support.feeds import MarketFeed
from tests.support.shops import fetcher as shop_fetcher
from tests.support.stores import make_store
from watchers.alert_facts import AlertFactsProvider, ChartUrl, LowsSince
from watchers.delivery import Deliverer, Pacing
from watchers.departures import Departures
from watchers.poller import Poller
from watchers.prices import Prices
from watchers.watchlist import Watchlist


def test_activity_template(
    conversation_id: str = "convo-1",
    user: str = "user-1",
    *,
    name: str = "User",
    group: bool = False,
    channel_id: str = "test",
) -> Activity:
    # A plain-string channel id: references survive a JSON round trip unchanged.
    return Activity(
        channel_id=channel_id,
        service_url="https://test.example",
        from_property=ChannelAccount(id=user, name=name),
        recipient=ChannelAccount(id="bot", name="PriceWatch"),
        conversation=ConversationAccount(id=conversation_id, is_group=group or None),
    )


@dataclass
class Chat:
    """One conversation with the bot: say things, read what it said."""

    adapter: TestAdapter
    bot: PriceWatchBot
    seen: int = 0

    async def say(self, text: str | None, **fields: object) -> list[str]:
        await self.adapter.receive_activity(
            Activity(type=ActivityTypes.message, text=text, **fields)
        )
        return self.replies()

    async def send(self, activity: Activity) -> list[str]:
        await self.adapter.receive_activity(activity)
        return self.replies()

    def replies(self) -> list[str]:
        """Texts the bot sent since the last call."""
        new = self.adapter.activity_buffer[self.seen :]
        self.seen = len(self.adapter.activity_buffer)
        return [activity.text or "" for activity in new]

    def last_activities(self, count: int) -> list[Activity]:
        return self.adapter.activity_buffer[-count:]

    @property
    def reference(self) -> ConversationReference:
        return TurnContext.get_conversation_reference(self.adapter.template)


@dataclass
class World:
    """Everything a chat test needs, wired the way app.py wires it."""

    store: Store
    market: Market
    feed: MarketFeed
    clock: FakeClock
    hold_seconds: float = 300
    default_drop: Decimal = Decimal(20)
    turn_wait_seconds: float = 15.0
    errors: list[Exception] = field(default_factory=list)
    lows_since: LowsSince = no_lows
    """Price history for the alert cards' 90-day low; none by default."""
    chart_url: ChartUrl = no_chart
    """The alert cards' chart service; no charts by default."""
    drop_parts: PartOf | None = None
    """What alert messages say alike of a drop's product; the bot's own by default."""

    def __post_init__(self) -> None:
        self.metrics = Metrics()
        store = self.store
        self.outcomes = Outcomes(
            store.outbox,
            store.references,
            self.clock,
            RetryPolicy(rng=random.Random(7)),
            self.metrics,
            events=store.events,
        )
        self.leases = Leases(store.outbox, self.clock)
        self.fetcher = shop_fetcher()
        self.pages = ShopPages(
            store.pages, self.fetcher, self.clock, PageTerms(3600, 10), random.Random(3)
        )
        self.prices = Prices(self.feed, self.pages)
        self.watchlist = Watchlist(store.watches, self.prices, self.clock)
        self.charts = ChartService(
            store.history, store.charts, self.clock, "https://bot.example", render=_tiny_png
        )
        catalog = Catalog(self.prices, self.clock)
        self.departures = Departures(
            self.watchlist, store.outbox, self.outcomes, store.references, self.clock, 30
        )
        self.bot = PriceWatchBot(
            conversation_state=PickleHashedConversationState(StoreStorage(store.bot_state)),
            references=store.references,
            bot_state=store.bot_state,
            locks=store.locks,
            catalog=catalog,
            watchlist=self.watchlist,
            alerts=AlertsInTurn(
                self.leases,
                self.outcomes,
                self.clock,
                self.hold_seconds,
                self.store.watches.by_ids,
                gone=self.departures.roster_refused,
            ),
            clock=self.clock,
            default_drop=self.default_drop,
            turn_wait_seconds=self.turn_wait_seconds,
            alert_facts=AlertFactsProvider(self.clock, self.lows_since, self.chart_url),
            history=HistoryReplies(self.watchlist, catalog, self.charts, self.clock),
            outbox=store.outbox,
            price_history=store.history,
            events=store.events,
            pages=self.pages,
            departures=self.departures,
            personal=store.personal,
            drop_parts=self.drop_parts,
        )
        self.poller = Poller(store.watches, self.prices, self.clock, self.metrics, pages=self.pages)

    async def close(self) -> None:
        await self.fetcher.close()
        await self.store.close()

    def chat(
        self,
        conversation_id: str = "convo-1",
        user: str = "user-1",
        *,
        name: str = "User",
        group: bool = False,
        channel_id: str = "test",
    ) -> Chat:
        """A conversation with the bot; several chats of one `conversation_id` with
        `group=True` are its members, each on their own adapter."""
        template = test_activity_template(
            conversation_id, user, name=name, group=group, channel_id=channel_id
        )
        adapter = TestAdapter(self.bot.on_turn, template)

        async def on_error(context: TurnContext, error: Exception) -> None:
            self.errors.append(error)
            raise error

        adapter.on_turn_error = on_error
        return Chat(adapter, self.bot)

    def deliverer(self, chat: Chat, pacing: Pacing | None = None) -> Deliverer:
        """Delivery through this chat's adapter; no pacing unless a test brings its own."""
        return Deliverer(
            self.store.outbox,
            self.store.references,
            self.store.locks,
            self.leases,
            BotProactiveTurns(chat.adapter, self.bot, "", self.clock),
            self.outcomes,
            pacing or Pacing(Pacer(0), Pacer(0)),
        )

    def set_price(self, product_id: str, price: str | None) -> None:
        self.market.set_price(product_id, None if price is None else Decimal(price))


def _tiny_png(*_: object) -> bytes:
    """Chat tests need a chart's link, not its pixels (tests/charts renders real ones)."""
    return b"\x89PNG\r\n\x1a\n"


async def open_world(tmp_path: Path, store_kind: str = "sqlite", **options: object) -> World:
    store = make_store(store_kind, tmp_path / "pricewatch.sqlite3")
    await store.open()
    market = Market(default_catalog(), random.Random(1))
    return World(store, market, MarketFeed(market), FakeClock(), **options)  # type: ignore[arg-type]
