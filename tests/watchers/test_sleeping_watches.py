"""Asleep watches on every store: they track prices silently, wake with one alert if
they fired meanwhile (none if re-armed), and alerts say numbers a user agrees with."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.rules import RuleKind
from tests.support.chat import Chat, World

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call

KEY = "test/convo-1"


async def poll_and_deliver(world: World, chat: Chat) -> list[str]:
    await world.poller.tick()
    await world.deliverer(chat).tick()
    return chat.replies()


async def started(world: World, *commands: str) -> Chat:
    chat = world.chat()
    await chat.say("hello")
    for command in commands:
        await chat.say(command)
    await poll_and_deliver(world, chat)
    return chat


async def test_a_below_watch_made_under_its_target_says_a_real_drop_when_it_fires(
    world: World,
) -> None:
    world.set_price("p-100", "150.00")
    chat = await started(world, "watch headphones below 160")  # made under its target
    world.set_price("p-100", "175.00")  # re-arms
    assert await poll_and_deliver(world, chat) == []
    world.set_price("p-100", "155.00")
    [alert] = await poll_and_deliver(world, chat)
    assert "now $155.00, down 11.4% ($20.00) from $175.00" in alert, (
        "never 'down -3.3% from $150.00'"
    )


async def test_a_percent_watch_still_says_its_drop_from_the_start_price(world: World) -> None:
    chat = await started(world, "watch headphones 20%")
    world.set_price("p-100", "170.00")
    await poll_and_deliver(world, chat)
    world.set_price("p-100", "150.00")
    [alert] = await poll_and_deliver(world, chat)
    assert "now $150.00, down 25.0% ($49.99) from $199.99" in alert


async def test_a_snoozed_below_watch_wakes_with_the_price_before_its_crossing(
    world: World,
) -> None:
    chat = await started(world, "watch headphones below 160", "snooze headphones 1h")
    world.set_price("p-100", "180.00")
    await poll_and_deliver(world, chat)
    world.set_price("p-100", "158.00")  # crosses while asleep
    assert await poll_and_deliver(world, chat) == []
    world.set_price("p-100", "157.00")
    assert await poll_and_deliver(world, chat) == []
    world.clock.advance(3600)
    [alert] = await poll_and_deliver(world, chat)
    assert "now $157.00, down 12.8% ($23.00) from $180.00" in alert
    world.clock.advance(60)
    assert await poll_and_deliver(world, chat) == []


async def test_a_snooze_that_ends_after_the_price_went_back_up_says_nothing(
    world: World,
) -> None:
    chat = await started(world, "watch headphones 20%", "snooze all 30m")
    world.set_price("p-100", "150.00")
    await poll_and_deliver(world, chat)
    world.set_price("p-100", "190.00")
    await poll_and_deliver(world, chat)
    world.clock.advance(1800)
    assert await poll_and_deliver(world, chat) == []
    [watch] = await world.watchlist.of(KEY)
    assert watch.snoozed_until is None, "woken"
    world.set_price("p-100", "150.00")
    [alert] = await poll_and_deliver(world, chat)
    assert "now $150.00" in alert, "awake again: the next crossing alerts"


async def test_a_watch_paused_and_snoozed_stays_asleep_when_the_snooze_ends(
    world: World,
) -> None:
    chat = await started(world, "watch headphones 20%", "snooze 1 1h", "pause 1")
    world.set_price("p-100", "150.00")
    await poll_and_deliver(world, chat)
    world.clock.advance(3600)
    assert await poll_and_deliver(world, chat) == []
    replies = await chat.say("resume 1")
    assert len(replies) == 2 and "now $150.00" in replies[1]


async def test_snoozing_again_keeps_an_alert_owed_from_before(world: World) -> None:
    chat = await started(world, "watch headphones 20%", "snooze 1 1h")
    world.set_price("p-100", "150.00")
    await poll_and_deliver(world, chat)
    await chat.say("snooze 1 2h")
    world.clock.advance(2 * 3600)
    [alert] = await poll_and_deliver(world, chat)
    assert "now $150.00" in alert


async def test_asleep_watches_hear_nothing_of_their_product_going_and_coming_back(
    world: World,
) -> None:
    chat = await started(world, "watch headphones 20%", "pause 1")
    world.set_price("p-100", None)
    for _ in range(6):
        assert await poll_and_deliver(world, chat) == []
    [listed] = await chat.say("list")
    assert "paused by you; unavailable (paused until it's back)" in listed
    world.set_price("p-100", "199.99")
    assert await poll_and_deliver(world, chat) == []
    [watch] = await world.watchlist.of(KEY)
    assert not watch.paused


async def test_store_calls_touch_only_their_own_conversations_watches(world: World) -> None:
    await started(world, "watch headphones 20%")
    other = world.chat("convo-2", "user-2")
    await other.say("hello")
    await other.say("watch keyboard 20%")
    [mine] = await world.watchlist.of(KEY)
    [theirs] = await world.watchlist.of("test/convo-2")
    later = world.clock() + timedelta(hours=1)
    assert await world.watchlist.pause("test/convo-2", mine.id) == []
    assert await world.watchlist.snooze("test/convo-2", mine.id, later) == []
    assert await world.watchlist.resume("test/convo-2", mine.id) == []
    target = theirs.rule.trigger_price
    assert await world.watchlist.set_target("test/convo-2", mine.id, target) is None
    paused = await world.watchlist.pause("test/convo-2", None)
    assert [change.after.id for change in paused] == [theirs.id]
    [unchanged] = await world.watchlist.of(KEY)
    assert unchanged == mine


async def test_waking_costs_nothing_when_no_snooze_is_due(world: World) -> None:
    await started(world, "watch headphones 20%", "snooze 1 1h")
    assert await world.store.watches.snoozed_due(world.clock()) == []
    [watch] = await world.watchlist.of(KEY)
    assert watch.snoozed_until is not None, "not due yet"


async def test_a_lowered_target_is_stored_and_rearms_above_it(world: World) -> None:
    chat = await started(world, "watch headphones 20%")
    world.set_price("p-100", "150.00")
    await poll_and_deliver(world, chat)  # fired: disarmed at $150
    [watch] = await world.watchlist.of(KEY)
    lowered = await world.watchlist.set_target(KEY, watch.id, Decimal("120"))
    assert lowered is not None and lowered.state.armed, "$150 is above the new target"
    assert (lowered.rule.kind, lowered.rule.trigger_price) == (RuleKind.BELOW, Decimal("120.00"))
    assert await world.watchlist.of(KEY) == [lowered]
    world.set_price("p-100", "119.00")
    [alert] = await poll_and_deliver(world, chat)
    assert "now $119.00, down 20.7% ($31.00) from $150.00" in alert
