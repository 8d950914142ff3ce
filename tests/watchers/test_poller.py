"""The poll tick skips quiet products but never a watch whose state can change."""

from __future__ import annotations

from tests.support.chat import World


async def test_a_watch_made_between_polls_is_evaluated_even_if_the_price_looks_unchanged(
    world: World,
) -> None:
    chat = world.chat()
    await chat.say("watch headphones 5%")
    await world.poller.tick()  # the poller has seen headphones at $199.99

    world.set_price("p-100", "80.00")  # between polls, headphones dip...
    assert "already at or below $90.00" in (await chat.say("watch headphones below 90"))[0]
    world.set_price("p-100", "199.99")  # ...and come back before the next poll
    await world.poller.tick()  # same price as the poller last saw: the new watch re-arms anyway

    world.set_price("p-100", "85.00")
    report = await world.poller.tick()
    assert report.alerts == 2, "the 5% watch fires, and the re-armed below-90 watch too"


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
