"""Hostile and odd input through the whole bot: names that look like code, limits, noise."""

from __future__ import annotations

import random
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import AsyncIterator

import pytest
from botbuilder.schema import Attachment

from dialogs import texts
from domain.products import Product
from domain.rules import percent_rule
from mockfeed import Market, default_catalog
from state.sqlite import SqliteStore
from tests.support.channel import StandInChannel
from tests.support.chat import Chat, World
from tests.support.clock import FakeClock
from tests.support.feeds import MarketFeed
from tests.support.running import running_app
from watchers.watchlist import WatchLimitReached, Watchlist

SQL_NAME = "'); DROP TABLE watches; --"
MARKUP_NAME = "<script>alert(1)</script>"
MARKUP_SHOWN = "\\<script\\>alert(1)\\</script\\>"
"""As Markdown text shows it: escaped, so the channel prints it rather than reads it."""
TABLES = {"conversations", "watches", "products", "alerts", "bot_state"}
LIMIT_MESSAGE = (
    "You already have 50 watches, the most I keep for one person (watches in your other"
    ' chats with me count too). Say "list" and "remove <number>" to make room.'
)


@pytest.fixture
async def hostile_world(tmp_path: Path) -> AsyncIterator[World]:
    """A feed whose catalog also sells products named like SQL and like markup."""
    store = SqliteStore(tmp_path / "pricewatch.sqlite3")
    await store.open()
    catalog = [
        *default_catalog(),
        Product("p-sql", SQL_NAME, Decimal("10.00"), "USD"),
        Product("p-markup", MARKUP_NAME, Decimal("20.00"), "USD"),
    ]
    market = Market(catalog, random.Random(1))
    world = World(store, market, MarketFeed(market), FakeClock())
    yield world
    await store.close()


def tables(store: SqliteStore) -> set[str]:
    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


async def greeted(chat: Chat) -> Chat:
    assert await chat.say("hello") == [texts.GREETING]
    return chat


# Names that look like code are only data


async def test_products_named_like_sql_and_markup_are_watched_listed_and_removed(
    hostile_world: World,
) -> None:
    world = hostile_world
    chat = await greeted(world.chat())

    assert await chat.say(f"watch {SQL_NAME} 20%") == [
        f"Done! {SQL_NAME} is $10.00 now; I'll tell you when it is $8.00 or less (a 20% drop)."
    ]
    await chat.say("watch")
    await chat.say(MARKUP_NAME)  # picked by its button
    await chat.say("below 15")
    assert (await chat.say("yes"))[0].startswith(f"Done! {MARKUP_SHOWN} is $20.00 now")
    assert await chat.say("list") == [
        "Your watches:\n\n"
        f"1. **{SQL_NAME}** – now $10.00, alert at $8.00 or less\n"
        f"2. **{MARKUP_SHOWN}** – now $20.00, alert at $15.00 or less"
    ]
    assert tables(world.store) >= TABLES

    world.set_price("p-sql", "7.00")
    assert (await world.poller.tick()).alerts == 1
    await world.deliverer(chat).tick()
    [alert] = chat.replies()
    assert f"**{SQL_NAME}** is now $7.00" in alert

    assert await chat.say(f"remove {MARKUP_NAME}") == [f"OK, I've stopped watching {MARKUP_SHOWN}."]
    assert await chat.say("remove 1") == [f"OK, I've stopped watching {SQL_NAME}."]
    assert await chat.say("list") == [
        'You\'re not watching anything yet. Try "watch headphones 20%".'
    ]
    assert tables(world.store) >= TABLES
    assert world.errors == []


@pytest.mark.parametrize("conversation_id", [SQL_NAME, MARKUP_NAME, "a/b/../c", "%_*"])
async def test_a_conversation_id_that_looks_like_code_is_only_data(
    world: World, conversation_id: str
) -> None:
    chat = await greeted(world.chat(conversation_id, user=conversation_id))
    assert (await chat.say("watch headphones 20%"))[0].startswith("Done!")
    other = await greeted(world.chat("plain", user="plain-user"))
    assert (await other.say("list"))[0].startswith("You're not watching anything yet")
    [listing] = await chat.say("list")
    assert "1. **Noise-cancelling headphones**" in listing
    assert tables(world.store) >= TABLES
    assert world.errors == []


# Watches per user


async def fill(world: World, conversation: str, user: str, count: int) -> None:
    """`count` watches for the user in the conversation, made past the chat's one watch
    per product: the limit counts what the store holds."""
    [headphones] = [p for p in default_catalog() if p.id == "p-100"]
    rule = percent_rule(Decimal("199.99"), Decimal(20))
    for _ in range(count):
        await world.watchlist.add(f"test/{conversation}", user, headphones, rule)


async def test_the_watch_limit_counts_a_users_watches_across_conversations(world: World) -> None:
    first = await greeted(world.chat("convo-1", "alice"))
    second = await greeted(world.chat("convo-2", "alice"))
    await fill(world, "convo-1", "alice", 30)
    await fill(world, "convo-2", "alice", 20)

    third = await greeted(world.chat("convo-3", "alice"))
    assert await third.say("watch espresso machine 20%") == [LIMIT_MESSAGE]
    assert await second.say("watch espresso machine 20%") == [LIMIT_MESSAGE]

    bob = await greeted(world.chat("convo-2", "bob"))  # the same group chat, someone else
    assert (await bob.say("watch espresso machine 20%"))[0].startswith("Done! Espresso")

    assert (await first.say("remove 1"))[0].startswith("OK, I've stopped watching")
    assert (await third.say("watch espresso machine 20%"))[0].startswith("Done! Espresso")
    assert world.errors == []


async def test_the_running_app_takes_the_limit_from_max_watches_per_user(tmp_path: Path) -> None:
    channel = StandInChannel()
    await channel.start()
    try:
        async with running_app(tmp_path, env={"MAX_WATCHES_PER_USER": "1"}) as app:
            user = {"from": {"id": "alice"}}
            assert await app.say(channel, "conv-1", "watch headphones 20%", **user) == 201
            assert await app.say(channel, "conv-2", "watch espresso machine 20%", **user) == 201
    finally:
        await channel.stop()

    assert channel.texts("conv-1")[-1].startswith("Done!")
    assert channel.texts("conv-2")[-1].startswith(
        "You already have 1 watch, the most I keep for one person"
    )


async def test_the_store_counts_watches_by_user(world: World) -> None:
    await fill(world, "convo-1", "alice", 2)
    await fill(world, "convo-2", "alice", 1)
    await fill(world, "convo-2", "bob", 1)

    assert await world.store.watches.count_of_user("alice") == 3
    assert await world.store.watches.count_of_user("bob") == 1
    assert await world.store.watches.count_of_user("carol") == 0
    assert await world.store.watches.count_of_user("' OR 1=1 --") == 0


async def test_without_a_user_id_the_limit_counts_the_conversation(world: World) -> None:
    watchlist = Watchlist(world.store.watches, world.feed, world.clock, max_watches=2)
    [headphones] = [p for p in default_catalog() if p.id == "p-100"]
    rule = percent_rule(Decimal("199.99"), Decimal(20))
    for _ in range(2):
        await watchlist.add("test/a", "", headphones, rule)
    await watchlist.add("test/b", "", headphones, rule)

    with pytest.raises(WatchLimitReached) as raised:
        await watchlist.add("test/a", "", headphones, rule)
    assert raised.value.limit == 2


# Odd messages get a short, helpful reply, at any step


OPENINGS = {
    "product question": ["watch"],
    "drop question": ["watch headphones"],
    "confirmation": ["watch headphones", "20%"],
    "which watch to remove": ["watch headphones 20%", "watch espresso machine 20%", "remove"],
}
PICTURE = Attachment(content_type="image/png", content_url="https://example.test/a.png")
ODD_MESSAGES = {
    "20,000 characters": {"text": "z" * 20_000},
    "20,000 characters of noise": {"text": "\u202e🎧\x00 " * 5_000},
    "a picture": {"text": None, "attachments": [PICTURE]},
    "white space": {"text": " \t\n\u00a0\u200f "},
    "a card submit": {"text": None, "value": {"choice": "1"}},
}


@pytest.mark.parametrize("opening", OPENINGS.values(), ids=OPENINGS.keys())
@pytest.mark.parametrize("message", ODD_MESSAGES.values(), ids=ODD_MESSAGES.keys())
async def test_an_odd_message_in_a_dialog_is_asked_again_briefly(
    world: World, opening: list[str], message: dict[str, object]
) -> None:
    chat = await greeted(world.chat())
    for line in opening:
        await chat.say(line)
    replies = await chat.say(**message)  # type: ignore[arg-type]
    assert replies and all(0 < len(reply) < 600 for reply in replies)
    assert await chat.say("cancel") == [texts.CANCELLED], "the dialog is still open"
    assert world.errors == []


@pytest.mark.parametrize("message", ODD_MESSAGES.values(), ids=ODD_MESSAGES.keys())
async def test_an_odd_message_outside_a_dialog_gets_a_short_helpful_reply(
    world: World, message: dict[str, object]
) -> None:
    chat = await greeted(world.chat())
    [reply] = await chat.say(**message)  # type: ignore[arg-type]
    assert 0 < len(reply) < 300
    assert "help" in reply or "watch headphones 20%" in reply
    assert world.errors == []
