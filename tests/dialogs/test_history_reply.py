"""`history headphones`: the chart and the figures, or a friendly word why not."""

from __future__ import annotations

from datetime import timedelta

from dialogs import texts
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
        "**Noise-cancelling headphones**, since Nov 25 (when I started keeping it):\n"
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
        "Noise-cancelling headphones, since Nov 25 (when I started keeping it): now $190.00,"
        " lowest $150.00, average $185.00, highest $200.00."
    ), "the line a channel with cards shows: plain words, whole"


async def test_history_of_a_catalog_product_nobody_watches_says_there_is_none_yet(
    world: World,
) -> None:
    chat = await greeted(world)
    assert await chat.say("history espresso machine") == [
        "I have no price history for Espresso machine yet: I keep one from the first time"
        " anyone watches it, a point each time its price changes."
    ]


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
