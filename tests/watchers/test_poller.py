"""The poll tick skips quiet products but never a watch whose state can change."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from domain.polls import PollChanges, Recorded
from state.interfaces import JobLease, WatchStore
from tests.support.chat import World
from watchers.poller import Poller

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call


async def test_a_watch_made_between_polls_is_evaluated_even_if_the_price_looks_unchanged(
    world: World,
) -> None:

    chat = world.chat()
    await chat.say("watch headphones 5%")
    await world.poller.tick()  # the poller has seen headphones at $199.99

    world.set_price("p-100", "80.00")  # between polls, headphones dip...
    other = world.chat("convo-2", "user-2")  # one watch per product per person
    assert "already at or below $90.00" in (await other.say("watch headphones below 90"))[-1]
    world.set_price("p-100", "199.99")  # ...and come back before the next poll
    await world.poller.tick()  # same price as the poller last saw: the new watch re-arms anyway

    world.set_price("p-100", "85.00")
    report = await world.poller.tick()
    assert report.alerts == 2, "the 5% watch fires, and the re-armed below-90 watch too"


def restarted(world: World) -> Poller:
    """The poller of an app started again on the same database."""
    return Poller(world.store.watches, world.feed, world.clock, world.metrics)


async def test_after_a_restart_the_first_poll_evaluates_only_what_moved(world: World) -> None:
    chat = world.chat()
    await chat.say("watch headphones 20%")
    await chat.say("watch keyboard 20%")
    assert (await world.poller.tick()).evaluated == 2, "a first look at both"

    quiet = await restarted(world).tick()
    assert (quiet.evaluated, quiet.alerts) == (0, 0), "nothing moved since the last poll"

    world.set_price("p-100", "150.00")
    dropped = await restarted(world).tick()
    assert (dropped.evaluated, dropped.alerts) == (1, 1)
    assert (await restarted(world).tick()).alerts == 0, "and it is remembered as sent"


async def test_a_watch_made_just_before_a_restart_gets_its_first_look_after_it(
    world: World,
) -> None:
    chat = world.chat()
    await chat.say("watch headphones 5%")
    await world.poller.tick()
    world.set_price("p-100", "80.00")
    other = world.chat("convo-2", "user-2")  # one watch per product per person
    assert "already at or below $90.00" in (await other.say("watch headphones below 90"))[-1]
    world.set_price("p-100", "199.99")  # back to what the last poll saw, before a restart

    after_restart = restarted(world)
    assert (await after_restart.tick()).evaluated == 1, "the new watch re-arms"

    world.set_price("p-100", "85.00")
    assert (await after_restart.tick()).alerts == 2


async def test_a_new_watch_whose_product_the_feed_left_out_gets_its_first_look_later(
    world: World,
) -> None:
    chat = world.chat()
    await chat.say("watch headphones 50%")
    await world.poller.tick()  # remembered at $199.99
    world.set_price("p-100", "250.00")
    other = world.chat("convo-2", "user-2")  # one watch per product per person
    assert (await other.say("watch headphones below 200"))[-1].startswith("Done!")  # armed
    world.feed.omitted = {"p-100"}
    assert (await world.poller.tick()).alerts == 0, "no price, no look"

    world.feed.omitted = set()
    world.set_price("p-100", "199.99")  # what the poller remembers, but new to the watch
    assert (await restarted(world).tick()).alerts == 1


async def test_a_huge_drop_is_confirmed_by_the_same_price_on_the_next_poll(world: World) -> None:
    chat = world.chat()
    await chat.say("watch headphones 20%")
    await world.poller.tick()
    world.set_price("p-100", "1.00")
    assert (await world.poller.tick()).alerts == 0, "a 99% drop in one step waits"
    assert (await world.poller.tick()).alerts == 1, "the same price again confirms it"


async def test_quiet_ticks_change_nothing_and_alert_no_one(world: World) -> None:
    chat = world.chat()
    await chat.say("watch headphones 20%")
    for _ in range(3):
        assert (await world.poller.tick()).alerts == 0
    world.set_price("p-100", "150.00")
    assert (await world.poller.tick()).alerts == 1
    assert (await world.poller.tick()).alerts == 0


class SlicedWatches:
    """The world's watch store, logging each slice of a poll it records; the first slice
    starts some other work, as a chat turn arriving mid-poll would."""

    def __init__(self, store: WatchStore) -> None:
        self._store = store
        self.log: list[str] = []
        self.other_work: asyncio.Task[None] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def record_poll(self, changes: PollChanges, lease: JobLease | None = None) -> Recorded:
        self.log.append("slice")
        if self.other_work is None:
            self.other_work = asyncio.create_task(self._other_work())
        return await self._store.record_poll(changes, lease)

    async def _other_work(self) -> None:
        self.log.append("other work")


async def test_a_first_tick_over_many_products_lets_other_work_in_between_slices(
    world: World,
) -> None:
    chat = world.chat()
    for product in ("headphones", "espresso machine", "keyboard"):
        await chat.say(f"watch {product} 20%")
    store = SlicedWatches(world.store.watches)
    poller = Poller(store, world.feed, world.clock, world.metrics, products_per_batch=1)

    await poller.tick()  # a new poller: its first tick evaluates every watch

    assert store.log == ["slice", "other work", "slice", "slice"]
