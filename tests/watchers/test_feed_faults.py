"""Feed faults against the poller: a stand-in HTTP feed, the real HttpPriceFeed and SqliteStore.

What a user would notice is an alert row (every row becomes a message), so each test
counts rows; what an operator would notice is a logged warning.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from domain.alerts import Alert, AlertKind
from domain.rules import initial_state, percent_rule
from domain.watches import NewWatch, Watch
from feed.client import HttpPriceFeed
from metrics import Metrics
from state.interfaces import Store
from tests.support.clock import FakeClock
from watchers.poller import UNAVAILABLE_AFTER_NULLS, Poller

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call

FEED_TIMEOUT_SECONDS = 0.2
FEED_MAX_BYTES = 64 * 1024
START_PRICE = Decimal("100.00")  # a 20% watch: the trigger is 80.00
DROPPED = 75.0
UNCHANGED = 100.0


@dataclass
class StandInFeed:
    """Answers GET /prices with what the test set last: prices, a status, raw text or a stall."""

    status: int = 200
    text: str = '{"prices": {}}'
    stall: bool = False
    requests: int = 0
    _server: TestServer | None = field(default=None, repr=False)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/prices", self._prices)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return str(self._server.make_url("/")).rstrip("/")

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()

    def answers(self, prices: dict[str, Any]) -> None:
        self.status, self.stall = 200, False
        self.text = json.dumps({"prices": prices})

    def answers_raw(self, text: str, status: int = 200) -> None:
        self.status, self.text, self.stall = status, text, False

    def stalls(self) -> None:
        self.stall = True

    async def _prices(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.stall:
            # Longer than the client waits; short enough not to hold up the server's close.
            await asyncio.sleep(FEED_TIMEOUT_SECONDS * 3)
        return web.Response(text=self.text, status=self.status, content_type="application/json")


@dataclass
class Setup:
    store: Store
    feed: StandInFeed
    poller: Poller
    metrics: Metrics


@pytest.fixture
async def setup(store: Store) -> AsyncIterator[Setup]:
    feed = StandInFeed()
    url = await feed.start()
    metrics = Metrics()
    async with aiohttp.ClientSession() as session:
        client = HttpPriceFeed(
            session, url, timeout_seconds=FEED_TIMEOUT_SECONDS, max_bytes=FEED_MAX_BYTES
        )
        yield Setup(store, feed, Poller(store.watches, client, FakeClock(), metrics), metrics)
    await feed.stop()


async def add_watch(store: Store, conversation: str, product_id: str = "p-1") -> Watch:
    rule = percent_rule(START_PRICE, Decimal(20))
    return await store.watches.add(
        NewWatch(
            conversation_key=f"test/{conversation}",
            user_id=f"user-of-{conversation}",
            product_id=product_id,
            product_name=f"Product {product_id}",
            currency="USD",
            rule=rule,
            state=initial_state(rule),
            created_at=FakeClock().now,
        )
    )


async def alerts(store: Store) -> list[Alert]:
    return await store.outbox.get(range(1, 1000))


def kinds(rows: list[Alert]) -> list[tuple[str, AlertKind]]:
    return sorted((alert.conversation_key, alert.kind) for alert in rows)


async def paused(store: Store, conversation: str) -> list[bool]:
    return [watch.paused for watch in await store.watches.of_conversation(f"test/{conversation}")]


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# --- a broken answer: no alert, no crash, a warning, and the next tick works ---

BROKEN_ANSWERS: dict[str, Callable[[StandInFeed], None]] = {
    "http-500": lambda feed: feed.answers_raw('{"prices": {"p-1": 75.0}}', status=500),
    "http-503": lambda feed: feed.answers_raw("Service Unavailable", status=503),
    "timeout": StandInFeed.stalls,
    "malformed-json": lambda feed: feed.answers_raw('{"prices": {"p-1": 75.0'),
    "not-json": lambda feed: feed.answers_raw("<html>oops</html>"),
    "a-list": lambda feed: feed.answers_raw("[75.0]"),
    "over-the-size-cap": lambda feed: feed.answers_raw(
        '{"prices": {"p-1": 75.0}}'.ljust(FEED_MAX_BYTES + 1)
    ),
    "prices-a-list": lambda feed: feed.answers_raw('{"prices": [75.0]}'),
    "no-prices-key": lambda feed: feed.answers_raw('{"price": {"p-1": 75.0}}'),
    "unrequested-ids-only": lambda feed: feed.answers({"p-other": 75.0}),
    "our-id-missing": lambda feed: feed.answers({}),
    "null": lambda feed: feed.answers({"p-1": None}),
    "zero": lambda feed: feed.answers({"p-1": 0}),
    "negative": lambda feed: feed.answers({"p-1": -75.0}),
    "nan": lambda feed: feed.answers_raw('{"prices": {"p-1": NaN}}'),
    "infinity": lambda feed: feed.answers_raw('{"prices": {"p-1": -Infinity}}'),
    "a-string": lambda feed: feed.answers({"p-1": "abc"}),
    "a-numeric-string": lambda feed: feed.answers({"p-1": "75.00"}),
    "a-bool": lambda feed: feed.answers({"p-1": True}),
    "an-object": lambda feed: feed.answers({"p-1": {"amount": 75.0}}),
}


@pytest.mark.parametrize("broken", BROKEN_ANSWERS.values(), ids=BROKEN_ANSWERS.keys())
async def test_a_broken_feed_answer_alerts_nobody_logs_a_warning_and_the_next_tick_works(
    setup: Setup, caplog: pytest.LogCaptureFixture, broken: Callable[[StandInFeed], None]
) -> None:
    await add_watch(setup.store, "conv-1")
    broken(setup.feed)

    await setup.poller.tick()

    assert await alerts(setup.store) == []
    assert warnings(caplog), "an operator can see that the feed answered badly"

    setup.feed.answers({"p-1": DROPPED})
    report = await setup.poller.tick()
    assert report.alerts == 1
    assert kinds(await alerts(setup.store)) == [("test/conv-1", AlertKind.DROP)]


async def test_a_feed_timeout_is_bounded(setup: Setup) -> None:
    await add_watch(setup.store, "conv-1")
    setup.feed.stalls()
    started = asyncio.get_running_loop().time()
    report = await setup.poller.tick()
    assert asyncio.get_running_loop().time() - started < FEED_TIMEOUT_SECONDS * 2.5
    assert report.feed_error and "no answer" in report.feed_error


async def test_feed_errors_are_counted_for_operators(setup: Setup) -> None:
    await add_watch(setup.store, "conv-1")
    setup.feed.answers_raw("", status=502)
    await setup.poller.tick()
    await setup.poller.tick()
    setup.feed.answers({"p-1": UNCHANGED})
    await setup.poller.tick()
    assert setup.metrics.registry.get_sample_value("pricewatch_feed_errors_total") == 2
    assert setup.metrics.registry.get_sample_value("pricewatch_polls_total") == 3


async def test_one_bad_price_does_not_spoil_the_rest_of_the_answer(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    await add_watch(setup.store, "conv-1", "p-1")
    await add_watch(setup.store, "conv-2", "p-2")
    setup.feed.answers({"p-1": "abc", "p-2": DROPPED})
    assert (await setup.poller.tick()).alerts == 1
    [alert] = await alerts(setup.store)
    assert alert.product_id == "p-2"
    assert any("p-1" in message for message in warnings(caplog))


# --- a product the feed answers null for: unavailable after 5 in a row ---


async def poll_nulls(setup: Setup, count: int) -> None:
    setup.feed.answers({"p-1": None})
    for _ in range(count):
        await setup.poller.tick()


async def test_five_nulls_in_a_row_tell_each_watcher_once_and_pause_the_watch(
    setup: Setup,
) -> None:
    await add_watch(setup.store, "conv-1")
    await add_watch(setup.store, "conv-2")

    await poll_nulls(setup, UNAVAILABLE_AFTER_NULLS - 1)
    assert await alerts(setup.store) == []
    assert await paused(setup.store, "conv-1") == [False]

    await poll_nulls(setup, 1)
    assert kinds(await alerts(setup.store)) == [
        ("test/conv-1", AlertKind.UNAVAILABLE),
        ("test/conv-2", AlertKind.UNAVAILABLE),
    ]
    assert await paused(setup.store, "conv-1") == [True]
    assert await paused(setup.store, "conv-2") == [True]

    await poll_nulls(setup, 5)  # the 6th to the 10th
    assert len(await alerts(setup.store)) == 2


async def test_a_product_that_returns_resumes_its_watches_with_one_notice(
    setup: Setup,
) -> None:
    await add_watch(setup.store, "conv-1")
    await poll_nulls(setup, 10)

    setup.feed.answers({"p-1": UNCHANGED})
    await setup.poller.tick()
    await setup.poller.tick()

    assert kinds(await alerts(setup.store)) == [
        ("test/conv-1", AlertKind.AVAILABLE),
        ("test/conv-1", AlertKind.UNAVAILABLE),
    ]
    available = [a for a in await alerts(setup.store) if a.kind is AlertKind.AVAILABLE]
    assert available[0].new_price == Decimal("100.0")
    assert await paused(setup.store, "conv-1") == [False]


async def test_a_product_that_returns_below_the_trigger_brings_its_drop_alert_too(
    setup: Setup,
) -> None:
    await add_watch(setup.store, "conv-1")
    await poll_nulls(setup, UNAVAILABLE_AFTER_NULLS)

    setup.feed.answers({"p-1": DROPPED})
    await setup.poller.tick()
    await setup.poller.tick()

    assert kinds(await alerts(setup.store)) == [
        ("test/conv-1", AlertKind.AVAILABLE),
        ("test/conv-1", AlertKind.DROP),
        ("test/conv-1", AlertKind.UNAVAILABLE),
    ]


async def test_a_second_outage_gets_its_own_notices(setup: Setup) -> None:
    await add_watch(setup.store, "conv-1")
    await poll_nulls(setup, UNAVAILABLE_AFTER_NULLS)
    setup.feed.answers({"p-1": UNCHANGED})
    await setup.poller.tick()
    await poll_nulls(setup, UNAVAILABLE_AFTER_NULLS)
    setup.feed.answers({"p-1": UNCHANGED})
    await setup.poller.tick()

    assert [a.kind for a in await alerts(setup.store)] == [
        AlertKind.UNAVAILABLE,
        AlertKind.AVAILABLE,
        AlertKind.UNAVAILABLE,
        AlertKind.AVAILABLE,
    ]


async def test_a_real_price_between_nulls_starts_the_count_again(setup: Setup) -> None:
    await add_watch(setup.store, "conv-1")
    await poll_nulls(setup, UNAVAILABLE_AFTER_NULLS - 1)
    setup.feed.answers({"p-1": UNCHANGED})
    await setup.poller.tick()
    await poll_nulls(setup, UNAVAILABLE_AFTER_NULLS - 1)
    assert await alerts(setup.store) == []

    await poll_nulls(setup, 1)
    assert [a.kind for a in await alerts(setup.store)] == [AlertKind.UNAVAILABLE]


NOT_AN_ANSWER: dict[str, Callable[[StandInFeed], None]] = {
    "http-500": BROKEN_ANSWERS["http-500"],
    "timeout": BROKEN_ANSWERS["timeout"],
    "malformed-json": BROKEN_ANSWERS["malformed-json"],
    "wrong-shape": BROKEN_ANSWERS["prices-a-list"],
    "zero": BROKEN_ANSWERS["zero"],
    "negative": BROKEN_ANSWERS["negative"],
    "nan": BROKEN_ANSWERS["nan"],
    "a-string": BROKEN_ANSWERS["a-string"],
}


@pytest.mark.parametrize("broken", NOT_AN_ANSWER.values(), ids=NOT_AN_ANSWER.keys())
async def test_feed_faults_between_nulls_neither_count_nor_reset_and_say_nothing(
    setup: Setup, broken: Callable[[StandInFeed], None]
) -> None:
    """Null x4, then two faults: still one short. One more null: the 5th in a row."""
    await add_watch(setup.store, "conv-1")
    await poll_nulls(setup, UNAVAILABLE_AFTER_NULLS - 1)

    broken(setup.feed)
    await setup.poller.tick()
    await setup.poller.tick()
    assert await alerts(setup.store) == [], "faults never count toward the notice"
    assert await paused(setup.store, "conv-1") == [False]

    await poll_nulls(setup, 1)
    assert [a.kind for a in await alerts(setup.store)] == [AlertKind.UNAVAILABLE]


@pytest.mark.parametrize("broken", NOT_AN_ANSWER.values(), ids=NOT_AN_ANSWER.keys())
async def test_feed_faults_during_an_outage_neither_resume_nor_notify(
    setup: Setup, broken: Callable[[StandInFeed], None]
) -> None:
    await add_watch(setup.store, "conv-1")
    await poll_nulls(setup, UNAVAILABLE_AFTER_NULLS)

    broken(setup.feed)
    await setup.poller.tick()
    await setup.poller.tick()

    assert [a.kind for a in await alerts(setup.store)] == [AlertKind.UNAVAILABLE]
    assert await paused(setup.store, "conv-1") == [True]
