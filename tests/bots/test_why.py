"""`why X` in a chat: which watch, and its story from the real store."""

from __future__ import annotations

import pytest

from dialogs import texts
from tests.support.chat import Chat, World

pytestmark = pytest.mark.store_variants


async def watching(world: World) -> Chat:
    chat = world.chat()
    assert await chat.say("hello") == [texts.GREETING]
    assert "I'll tell you when" in (await chat.say("watch headphones 20%"))[0]
    assert "I'll tell you when" in (await chat.say("watch espresso machine 20%"))[0]
    return chat


async def test_why_tells_an_alert_that_was_sent(world: World) -> None:
    chat = await watching(world)
    world.set_price("p-100", "149.99")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    chat.replies()

    [story] = await chat.say("why headphones")
    assert story.startswith("You're watching **Noise-cancelling headphones** for $159.99")
    assert "alert made for $149.99" in story and "alert sent" in story
    assert (await chat.say("why 1")) == [story]


async def test_why_tells_quiet_hours_in_the_users_zone(world: World) -> None:
    chat = await watching(world)
    await chat.say("timezone Europe/Berlin")  # 12:00 UTC is 13:00 in Berlin
    await chat.say("quiet 12:00-14:00")
    world.set_price("p-100", "149.99")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    [story] = await chat.say("why headphones")
    assert "Nov 25 13:00 held for your quiet hours, until 14:00" in story
    assert "Your quiet hours are on: alerts wait until 14:00" in story


@pytest.mark.parametrize(
    "text, answer",
    [
        ("why 5", 'You have 2 watches. Say "list" to see their numbers.'),
        ("why kettle", 'You\'re not watching anything called "kettle". Say "list".'),
        ("why", 'Say which watch, like "why 1" or "why headphones".'),
        ("why 0", 'Watch numbers start at 1: say "list" to see them.'),
    ],
)
async def test_why_names_a_watch_or_says_how(world: World, text: str, answer: str) -> None:
    chat = await watching(world)
    assert await chat.say(text) == [answer]


async def test_why_without_watches(world: World) -> None:
    chat = world.chat()
    await chat.say("hello")
    assert await chat.say("why headphones") == [
        'You\'re not watching anything yet. Try "watch headphones 20%".'
    ]
