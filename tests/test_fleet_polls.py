"""One poll in flight across a fleet: two instances of the app on one PostgreSQL schema and
a feed that answers when the test lets it, slower than the poll interval.

The lease runs on the database's clock, so the tests let real time pass (a second or
two); the scheduler's ticks they run themselves.
"""

from __future__ import annotations

import asyncio
import random
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable

import pytest

from domain.rules import initial_state, percent_rule
from domain.watches import NewWatch
from mockfeed import Market, default_catalog
from state.postgres import PostgresStore
from tests.support.feeds import HeldFeed
from tests.support.running import RunningApp, running_app
from tests.support.stores import POSTGRES_URL, run_out_job_leases, second_instance

INTERVAL = 2
"""Seconds: POLL_INTERVAL_SECONDS, the lease's length. Renewed every third of it, a lease
of two outlasts any pause a loaded CI machine gives the test's event loop."""
WRITTEN_BY_A_POLL = ("price_history", "products", "watches", "alerts", "counters")


@pytest.fixture
async def feed() -> AsyncIterator[HeldFeed]:
    held = HeldFeed(Market(default_catalog(), random.Random(1)))
    await held.start()
    yield held
    await held.stop()


@asynccontextmanager
async def instance(tmp_path: Path, feed: HeldFeed, store: Any = None) -> AsyncIterator[RunningApp]:
    env = {"POLL_INTERVAL_SECONDS": str(INTERVAL), "PRICE_FEED_URL": feed.url}
    async with running_app(tmp_path, env, store_kind="postgres", store=store) as app:
        yield app


@asynccontextmanager
async def two_instances(
    tmp_path: Path, feed: HeldFeed
) -> AsyncIterator[tuple[RunningApp, RunningApp]]:
    async with instance(tmp_path / "first", feed) as first:
        schema = first.engine.store.schema  # type: ignore[attr-defined]
        shared = PostgresStore(POSTGRES_URL, schema=schema)
        async with instance(tmp_path / "second", feed, store=shared) as second:
            yield first, second


async def add_a_watch(app: RunningApp) -> None:
    """A watch on the headphones: every poll then asks the feed for their price."""
    rule = percent_rule(Decimal("199.99"), Decimal(20))
    await app.engine.store.watches.add(
        NewWatch(
            conversation_key="emulator/conv-1",
            user_id="user-1",
            product_id="p-100",
            product_name="Noise-cancelling headphones",
            currency="USD",
            rule=rule,
            state=initial_state(rule),
            created_at=datetime.now(timezone.utc),
        )
    )


async def ends_or_polls_too(asking: Awaitable[Any], feed: HeldFeed) -> asyncio.Future[Any]:
    """Run `asking` until it ends, or until a second price request reaches the feed."""
    asked = asyncio.ensure_future(asking)
    second_poll = asyncio.ensure_future(feed.requested(2))
    await asyncio.wait({asked, second_poll}, return_when=asyncio.FIRST_COMPLETED)
    second_poll.cancel()
    return asked


async def test_a_poll_slower_than_the_interval_keeps_the_lead_and_no_other_instance_polls(
    tmp_path: Path, postgres_url: str, feed: HeldFeed
) -> None:
    async with two_instances(tmp_path, feed) as (first, second):
        await add_a_watch(first)
        feed.hold()
        polling = asyncio.create_task(first.engine.poll_and_dispatch())
        await feed.requested(1)

        # Two intervals pass with the first poll in flight; the other instance's scheduler
        # asks twice an interval (the first's skips its job while that job runs).
        asked = []
        for _ in range(4):
            await asyncio.sleep(INTERVAL / 2)
            asked.append(await ends_or_polls_too(second.engine.poll_and_dispatch(), feed))
            assert feed.most_in_flight == 1, "the other instance polled too"
            assert (first.engine.lead.leading, second.engine.lead.leading) == (True, False)
        feed.release()
        await polling
        await asyncio.gather(*asked)

    assert feed.requests == 1, "one poll asked the feed"
    assert first.engine.last_poll is not None and second.engine.last_poll is None


async def test_api_notify_on_another_instance_delivers_but_does_not_poll_beside_the_poller(
    tmp_path: Path, postgres_url: str, feed: HeldFeed
) -> None:
    async with two_instances(tmp_path, feed) as (first, second):
        await add_a_watch(first)
        feed.hold()
        polling = asyncio.create_task(first.engine.poll_and_dispatch())
        await feed.requested(1)

        notified = await ends_or_polls_too(second.notify(), feed)
        assert feed.most_in_flight == 1, "/api/notify polled beside the poll in flight"
        feed.release()
        await polling
        report = await notified

    assert report["poll"] is None
    assert report["poll_skipped"] == "another instance of the fleet holds the poll lease and polls"
    assert report["delivery"] is not None, "the delivery ran all the same"
    assert second.engine.last_poll is None


@pytest.mark.parametrize(
    "noticed_by",
    [
        "renewal",  # it stalled past its lease; its next renewal stops it
        "commit",  # it goes on to write at once: the check in its own transaction stops it
    ],
)
async def test_a_poll_whose_lease_another_instance_took_writes_nothing(
    tmp_path: Path, postgres_url: str, feed: HeldFeed, noticed_by: str
) -> None:
    async with instance(tmp_path, feed) as first:
        store = first.engine.store
        await add_a_watch(first)
        feed.hold()
        polling = asyncio.create_task(first.engine.poll_and_dispatch())
        await feed.requested(1)
        pool = store.database.pool  # type: ignore[attr-defined]
        before = {table: await pool.fetch(f"SELECT * FROM {table}") for table in WRITTEN_BY_A_POLL}

        # This instance stalled past its lease (its renewals never reached the database),
        # and another instance took the lease over.
        await run_out_job_leases(store)
        async with second_instance(store) as other:
            assert await other.jobs.take("poll", "another instance", 60)
            if noticed_by == "renewal":  # a third of a lease away (the timeout bounds a failure)
                await asyncio.wait({polling}, timeout=3 * INTERVAL)
            feed.release()
            await polling
            after = {
                table: await pool.fetch(f"SELECT * FROM {table}") for table in WRITTEN_BY_A_POLL
            }

    assert after == before, "the poll that lost its lease wrote nothing"
    assert first.engine.last_poll is None
    assert not first.engine.lead.leading
