"""`history headphones`: the chart and the figures, or a friendly word why not."""

from __future__ import annotations

from datetime import timedelta

from dialogs import texts
from dialogs.history_reply import HISTORY_PER_MINUTE, TOO_MANY
from tests.support.chat import Chat, World


async def greeted(world: World) -> Chat:
    chat = world.chat()
    await chat.say("hello")
    return chat


async def prices_over_days(world: World, *prices: str) -> None:
    """One poll a day, each at the next price."""
    for price in prices:
        world.set_price("p-100", price)
        await world.poller.tick()
        world.clock.advance(timedelta(days=1).total_seconds())


async def test_history_answers_with_the_chart_and_min_average_max(world: World) -> None:
    chat = await greeted(world)
    await chat.say("watch headphones 20%")
    await prices_over_days(world, "200.00", "200.00", "150.00", "190.00")
    text, alert = await chat.say("history headphones")  # the drop's alert follows
    assert "Price drop" in alert
    assert text == (
        "**Noise-cancelling headphones**, since Nov 25:\n"
        "\n"
        "- Now: $190.00\n"
        "- Lowest: $150.00 (Nov 27)\n"
        "- Average: $185.00\n"
        "- Highest: $200.00 (Nov 25)"
    )
    [activity, _] = chat.last_activities(2)
    [attachment] = activity.attachments
    assert attachment.content_type == "application/vnd.microsoft.card.adaptive"
    card = attachment.content
    assert card["version"] == "1.5"
    [image] = [item for item in card["body"] if item["type"] == "Image"]
    assert image["url"].startswith("https://bot.example/api/charts/")
    [facts] = [item for item in card["body"] if item["type"] == "FactSet"]
    assert {"title": "Average", "value": "$185.00"} in facts["facts"]
    assert activity.summary == (
        "Noise-cancelling headphones, since Nov 25: now $190.00,"
        " lowest $150.00, average $185.00, highest $200.00."
    ), "the line a channel with cards shows: plain words, whole"


NOT_YOURS = (
    "I keep the price history of the products you watch, from when you start watching"
    ' them. Say "watch Espresso machine" and ask me again in a while.'
)


async def test_history_says_the_same_whether_or_not_anyone_else_watches_it(
    world: World,
) -> None:
    chat = await greeted(world)
    assert await chat.say("history espresso machine") == [NOT_YOURS], "nobody watches it"
    other = world.chat("convo-2", "user-2")
    await other.say("hello")
    await other.say("watch espresso machine 10%")
    for price in ("449.00", "400.00"):
        world.set_price("p-200", price)
        await world.poller.tick()
        world.clock.advance(timedelta(days=1).total_seconds())
    assert await chat.say("history espresso machine") == [NOT_YOURS], "someone else does"


async def test_a_history_starts_when_this_conversation_started_watching(world: World) -> None:
    other = world.chat("convo-2", "user-2")
    await other.say("hello")
    await other.say("watch headphones 10%")
    await prices_over_days(world, "120.00", "200.00")  # before this chat watched it
    chat = await greeted(world)
    await chat.say("watch headphones 20%")
    await prices_over_days(world, "190.00", "180.00")
    text = (await chat.say("history headphones"))[0]
    assert text.startswith("**Noise-cancelling headphones**, since Nov 27:")
    assert "- Lowest: $180.00 (Nov 28)" in text and "- Highest: $190.00 (Nov 27)" in text


async def test_the_days_are_the_users_days(world: World) -> None:
    chat = await greeted(world)
    await chat.say("timezone Pacific/Auckland")  # Nov 25 12:00 UTC is Nov 26 01:00 there
    await chat.say("watch headphones 20%")
    await prices_over_days(world, "200.00", "150.00")
    text = (await chat.say("history headphones"))[0]
    assert "since Nov 26:" in text and "- Lowest: $150.00 (Nov 27)" in text


async def test_a_few_histories_a_minute_then_a_friendly_word(world: World) -> None:
    chat = await greeted(world)
    await chat.say("watch headphones 20%")
    await world.poller.tick()
    for _ in range(HISTORY_PER_MINUTE):
        assert "- Now: $199.99" in (await chat.say("history headphones"))[0]
    assert await chat.say("history headphones") == [TOO_MANY]
    other = world.chat("convo-2", "user-2")
    await other.say("hello")
    assert await other.say("history headphones") == [
        NOT_YOURS.replace("Espresso machine", "Noise-cancelling headphones")
    ], "another conversation has its own allowance"
    world.clock.advance(61)
    assert "- Now: $199.99" in (await chat.say("history headphones"))[0]


async def test_history_for_a_shorter_period(world: World) -> None:
    chat = await greeted(world)
    await chat.say("watch headphones 20%")
    await prices_over_days(world, *["100.00"] * 10, "80.00", "90.00")
    text = (await chat.say("history headphones 2d"))[0]
    assert text.startswith("**Noise-cancelling headphones**, the last 2 days:")
    assert "- Lowest: $80.00" in text and "- Highest: $90.00" in text


async def test_history_says_what_it_needs_when_it_cannot_answer(world: World) -> None:
    chat = await greeted(world)
    world.feed.failing = True  # and no copy of the catalog yet
    assert await chat.say("history headphones") == [texts.FEED_DOWN]
    world.feed.failing = False
    assert await chat.say("history") == [
        'Which product? Say "history headphones" (or "history headphones 30d").'
    ]
    assert await chat.say("history flux capacitor") == [
        'I couldn\'t find "flux capacitor". Say "watch" to see the products I know.'
    ]
    assert (await chat.say("history headphones 900d"))[0].startswith(
        "I can show history from 1 to 365 days"
    )


async def test_a_watched_product_is_found_even_when_the_feed_is_down(world: World) -> None:
    chat = await greeted(world)
    await chat.say("watch headphones 20%")
    await world.poller.tick()
    world.feed.failing = True
    [text] = await chat.say("history headphones")
    assert "- Now: $199.99" in text
