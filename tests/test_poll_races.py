"""A user's change made while a poll is between its read and its write always wins.

Each test freezes a poll after it has read the watches and before it writes, lets the
user change the watch through the chat (or the card's action), then lets the poll
finish: the reply the user got stays true. On every store, SQLite yielding at every
call and PostgreSQL included.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from domain.watch_events import EventKind
from state.interfaces import WatchStore
from tests.support.chat import Chat, World
from watchers.poller import Poller

pytestmark = pytest.mark.store_variants

KEY = "test/convo-1"


class FrozenBeforeWrite:
    """The world's watch store, whose first poll write waits until the test lets it go:
    the poll has read its watches and worked out their changes, and not written them."""

    def __init__(self, store: WatchStore) -> None:
        self._store = store
        self.frozen = False
        self.reached = asyncio.Event()
        self.go = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def record_poll(self, *args: Any, **kwargs: Any) -> Any:
        if self.frozen and not self.reached.is_set():
            self.reached.set()
            await self.go.wait()
        return await self._store.record_poll(*args, **kwargs)


async def started(world: World, *commands: str) -> Chat:
    chat = world.chat()
    await chat.say("hello")
    for command in commands:
        await chat.say(command)
    await delivered(world, chat)
    return chat


async def delivered(world: World, chat: Chat) -> list[str]:
    """A poll and a delivery tick; what the user received from them."""
    chat.replies()
    await world.poller.tick()
    await world.deliverer(chat).tick()
    return chat.replies()


async def confirming(world: World) -> tuple[Poller, FrozenBeforeWrite]:
    """A poller whose next poll fires the watch one by one, frozen before its write: the
    price fell 90%+ (to $15.00) and waits for that poll to confirm it."""
    frozen = FrozenBeforeWrite(world.store.watches)
    poller = Poller(frozen, world.feed, world.clock, world.metrics)  # type: ignore[arg-type]
    world.set_price("p-100", "15.00")
    await poller.tick()  # a glitch guard: a huge drop alerts only once confirmed
    frozen.frozen = True
    return poller, frozen


async def with_frozen_poll(world: World, chat: Chat, *commands: str) -> list[str]:
    """Start a poll, say the commands while it is frozen before its write, let it finish,
    deliver; returns the replies to the commands and what the delivery brought."""
    poller, frozen = await confirming(world)
    polling = asyncio.create_task(poller.tick())
    await asyncio.wait_for(frozen.reached.wait(), 5)
    chat.replies()
    replies = []
    for command in commands:
        replies += await chat.say(command)
    frozen.go.set()
    await polling
    await world.deliverer(chat).tick()
    return replies + chat.replies()


def alerts_in(replies: list[str]) -> list[str]:
    return [reply for reply in replies if "$15.00" in reply and "now" in reply]


async def test_no_alert_comes_after_a_pause_was_confirmed(world: World) -> None:
    chat = await started(world, "watch headphones 20%")

    replies = await with_frozen_poll(world, chat, "pause headphones")

    assert any("paused" in reply for reply in replies)
    assert alerts_in(replies) == [], "the alert for a paused watch waits"
    [woken] = alerts_in(await resumed(world, chat))
    assert "$15.00" in woken, "it crossed while asleep and is still low: one alert on resume"
    assert alerts_in(await delivered(world, chat)) == [], "once"


async def resumed(world: World, chat: Chat) -> list[str]:
    replies = await chat.say("resume headphones")
    await world.deliverer(chat).tick()
    return replies + chat.replies()


async def test_no_alert_comes_after_a_snooze_was_confirmed_and_one_when_it_ends(
    world: World,
) -> None:
    chat = await started(world, "watch headphones 20%")

    replies = await with_frozen_poll(world, chat, "snooze headphones 1h")

    assert any("snoozed" in reply for reply in replies)
    assert alerts_in(replies) == []
    world.clock.advance(3660)
    assert len(alerts_in(await delivered(world, chat))) == 1, "the snooze's end brings it"


async def test_a_resume_made_while_the_poll_read_the_watch_asleep_gets_its_alert(
    world: World,
) -> None:
    chat = await started(world, "watch headphones 20%", "pause headphones")

    replies = await with_frozen_poll(world, chat, "resume headphones")

    assert any("resumed" in reply for reply in replies)
    assert len(alerts_in(replies)) == 1, "the price crossed after the resume: it alerts"
    assert alerts_in(await delivered(world, chat)) == [], "once"


async def test_the_lowered_target_is_the_one_that_fires(world: World) -> None:
    chat = await started(world, "watch headphones below 160")
    [watch] = await world.watchlist.of(KEY)

    async def lower() -> None:
        assert await world.watchlist.set_target(KEY, watch.id, Decimal(10)) is not None

    poller, frozen = await confirming(world)
    polling = asyncio.create_task(poller.tick())
    await asyncio.wait_for(frozen.reached.wait(), 5)
    await lower()  # as "Lower my target" does, mid-poll
    frozen.go.set()
    await polling
    chat.replies()
    await world.deliverer(chat).tick()

    assert alerts_in(chat.replies()) == [], "$15 is above the new $10 target"
    world.set_price("p-100", "9.00")
    [alert] = [reply for reply in await delivered(world, chat) if "$9.00" in reply]
    assert "$10.00" in alert, alert
    [after] = await world.watchlist.of(KEY)
    assert after.rule.trigger_price == Decimal("10.00") and not after.state.armed


async def test_a_watch_removed_mid_poll_sends_nothing(world: World) -> None:
    chat = await started(world, "watch headphones 20%")

    replies = await with_frozen_poll(world, chat, "remove headphones")

    assert any(
        "stopped watching" in reply.lower() or "removed" in reply.lower() for reply in replies
    )
    assert alerts_in(replies) == []
    assert await world.watchlist.of(KEY) == []


async def test_price_protection_bought_mid_poll_alerts_at_most_once(world: World) -> None:
    chat = await started(world, "watch headphones 20%")

    replies = await with_frozen_poll(world, chat, "bought headphones at 179")
    later = await delivered(world, chat)

    protection = [r for r in replies + later if "protection" in r.lower() and "$15.00" in r]
    assert len(protection) <= 1, protection
    watches = await world.watchlist.of(KEY)
    assert len(watches) == 2 and all(w.state.last_price == Decimal(15) for w in watches)


async def test_an_alert_made_before_a_pause_waits_for_the_resume(world: World) -> None:
    """The poll made the alert; the user paused before it was delivered: the delivery,
    under the conversation's turn lock, sees the watch asleep and holds it."""
    chat = await started(world, "watch headphones 20%")
    world.set_price("p-100", "150.00")
    await world.poller.tick()  # the alert is made, not yet sent
    chat.replies()

    await chat.say("pause headphones")
    await world.deliverer(chat).tick()
    assert [reply for reply in chat.replies() if "$150.00" in reply] == []
    for _ in range(3):  # each message claims the waiting alerts again
        assert [r for r in await chat.say("list") if "down" in r and "$150.00" in r] == []
    [watch] = await world.watchlist.of(KEY)
    events = await world.store.events.of_watch(watch.id, 50)
    assert [event.kind for event in events].count(EventKind.HELD) == 1, "held once, told once"

    replies = await chat.say("resume headphones")
    await world.deliverer(chat).tick()
    assert len([r for r in replies + chat.replies() if "now $150.00" in r]) == 1
    await world.deliverer(chat).tick()
    assert chat.replies() == [], "once"


async def test_an_alert_above_a_target_lowered_before_delivery_is_not_sent(world: World) -> None:
    chat = await started(world, "watch headphones below 160")
    [watch] = await world.watchlist.of(KEY)
    world.set_price("p-100", "150.00")
    await world.poller.tick()  # the alert at $150 is made, not yet sent
    chat.replies()

    await world.watchlist.set_target(KEY, watch.id, Decimal(100))
    await world.deliverer(chat).tick()

    assert [reply for reply in chat.replies() if "$150.00" in reply] == []
