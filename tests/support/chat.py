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

from bots.alert_sender import AlertSender
from bots.price_watch_bot import PriceWatchBot
from mockfeed import Market, default_catalog
from state.bot_storage import StoreStorage
from state.conversation_state import PickleHashedConversationState
from state.sqlite_store import SqliteStore
from tests.support.clock import FakeClock
from tests.support.feeds import MarketFeed
from watchers.catalog import Catalog
from watchers.delivery import Deliverer, Pacing
from watchers.metrics import Metrics
from watchers.outcomes import Outcomes
from watchers.pacing import Pacer
from watchers.poller import Poller
from watchers.retry import RetryPolicy
from watchers.watchlist import Watchlist


def test_activity_template(conversation_id: str = "convo-1", user: str = "user-1") -> Activity:
    # A plain-string channel id: references survive a JSON round trip unchanged.
    return Activity(
        channel_id="test",
        service_url="https://test.example",
        from_property=ChannelAccount(id=user, name="User"),
        recipient=ChannelAccount(id="bot", name="PriceWatch"),
        conversation=ConversationAccount(id=conversation_id),
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

    store: SqliteStore
    market: Market
    feed: MarketFeed
    clock: FakeClock
    hold_seconds: float = 300
    default_drop: Decimal = Decimal(20)
    errors: list[Exception] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.metrics = Metrics()
        self.outcomes = Outcomes(
            self.store, self.clock, RetryPolicy(rng=random.Random(7)), self.metrics
        )
        self.watchlist = Watchlist(self.store, self.feed, self.clock)
        self.bot = PriceWatchBot(
            conversation_state=PickleHashedConversationState(StoreStorage(self.store)),
            store=self.store,
            catalog=Catalog(self.feed, self.clock),
            watchlist=self.watchlist,
            alerts=AlertSender(self.store, self.clock, self.outcomes, self.hold_seconds),
            clock=self.clock,
            default_drop=self.default_drop,
        )
        self.poller = Poller(self.store, self.feed, self.clock, self.metrics)

    def chat(self, conversation_id: str = "convo-1", user: str = "user-1") -> Chat:
        adapter = TestAdapter(self.bot.on_turn, test_activity_template(conversation_id, user))

        async def on_error(context: TurnContext, error: Exception) -> None:
            self.errors.append(error)
            raise error

        adapter.on_turn_error = on_error
        return Chat(adapter, self.bot)

    def deliverer(self, chat: Chat, pacing: Pacing | None = None) -> Deliverer:
        """Delivery through this chat's adapter; no pacing unless a test brings its own."""
        return Deliverer(
            self.store,
            chat.adapter,
            self.bot,
            "",
            self.clock,
            self.outcomes,
            pacing or Pacing(Pacer(0), Pacer(0)),
        )

    def set_price(self, product_id: str, price: str | None) -> None:
        self.market.set_price(product_id, None if price is None else Decimal(price))


async def open_world(tmp_path: Path, **options: object) -> World:
    store = SqliteStore(tmp_path / "pricewatch.sqlite3")
    await store.open()
    market = Market(default_catalog(), random.Random(1))
    return World(store, market, MarketFeed(market), FakeClock(), **options)  # type: ignore[arg-type]
