"""One watch per product per person, and one price protection: a second `watch` says what
exists and offers to change it; a second `bought` renews the protection."""

from __future__ import annotations

from tests.support.chat import Chat, World

HEADPHONES_20 = (
    "You're already watching Noise-cancelling headphones: I'll tell you when it is $159.99"
    " or less (a 20% drop)."
)


async def watching_headphones(world: World) -> Chat:
    chat = world.chat()
    await chat.say("hello")
    assert (await chat.say("watch headphones 20%"))[0].startswith("Done!")
    return chat


async def listed(chat: Chat) -> list[str]:
    [listing] = await chat.say("list")
    return [line for line in listing.splitlines() if line[:1].isdigit()]


async def test_a_second_watch_of_a_product_offers_to_change_the_one_there(world: World) -> None:
    chat = await watching_headphones(world)
    assert await chat.say("watch headphones 30%") == [
        f"{HEADPHONES_20} Change it? Noise-cancelling headphones is $199.99 now; I'll tell you"
        " when it is $139.99 or less (a 30% drop)."
    ]
    assert [action.title for action in chat.last_activities(1)[0].suggested_actions.actions] == [
        "Yes",
        "No",
    ]
    assert await chat.say("yes") == [
        "Changed! Noise-cancelling headphones is $199.99 now; I'll tell you when it is $139.99"
        " or less (a 30% drop)."
    ]
    assert await listed(chat) == [
        "1. **Noise-cancelling headphones** – now $199.99, alert at $139.99 or less"
    ]
    [story] = await chat.say("why 1")
    assert "$139.99" in story


async def test_no_leaves_the_watch_as_it_was(world: World) -> None:
    chat = await watching_headphones(world)
    await chat.say("watch headphones below 150")
    assert await chat.say("no") == ["OK, I've left it as it was."]
    assert await listed(chat) == [
        "1. **Noise-cancelling headphones** – now $199.99, alert at $159.99 or less"
    ]


async def test_asking_for_the_same_watch_again_says_so_and_asks_nothing(world: World) -> None:
    chat = await watching_headphones(world)
    assert await chat.say("watch headphones 20%") == [HEADPHONES_20]
    assert await chat.say("cancel") == [
        'There\'s nothing to cancel. Say "help" to see what I can do.'
    ]
    assert len(await listed(chat)) == 1


async def test_the_watch_dialog_asks_to_change_too(world: World) -> None:
    chat = await watching_headphones(world)
    await chat.say("watch")
    await chat.say("headphones")
    [asked] = await chat.say("below 150")
    assert asked.startswith(f"{HEADPHONES_20} Change it?")
    await chat.say("yes")
    assert await listed(chat) == [
        "1. **Noise-cancelling headphones** – now $199.99, alert at $150.00 or less"
    ]


async def test_the_changed_watch_fires_once_at_its_new_trigger(world: World) -> None:
    chat = await watching_headphones(world)
    await chat.say("watch headphones below 150")
    await chat.say("yes")
    world.set_price("p-100", "155.00")
    assert (await world.poller.tick()).alerts == 0, "the old trigger is gone"
    world.set_price("p-100", "149.00")
    assert (await world.poller.tick()).alerts == 1, "one alert, not one per watch"


async def test_someone_else_in_another_chat_has_their_own_watch(world: World) -> None:
    await watching_headphones(world)
    other = world.chat("convo-2", "user-2")
    await other.say("hello")
    assert (await other.say("watch headphones 30%"))[-1].startswith("Done!")


async def test_a_second_bought_renews_the_protection_instead_of_adding_one(world: World) -> None:
    chat = world.chat()
    await chat.say("hello")
    [first] = await chat.say("bought skillet at 36")
    assert first.startswith("OK: until Dec 25, 12:00 UTC I'll tell you if Cast-iron skillet")
    [second] = await chat.say("bought skillet at $35.50 within 2 weeks")
    assert second == (
        "OK: until Dec 9, 12:00 UTC I'll tell you if Cast-iron skillet gets cheaper than the"
        " $35.50 you paid (price protection). It replaces the one you had ($36.00 paid, until"
        " Dec 25, 12:00 UTC): one protection per product."
    )
    assert await listed(chat) == [
        "1. **Cast-iron skillet** – now $39.95, alert at $35.49 or less; price protection"
        " until Dec 9, 12:00 UTC (you paid $35.50)"
    ]
    world.set_price("p-1100", "30.00")
    assert (await world.poller.tick()).alerts == 1, "one card for one drop"


async def test_a_protection_and_a_price_watch_of_one_product_live_side_by_side(
    world: World,
) -> None:
    chat = world.chat()
    await chat.say("hello")
    await chat.say("bought skillet at 39.95")
    assert (await chat.say("watch skillet 20%"))[0].startswith("Done!")
    assert len(await listed(chat)) == 2
