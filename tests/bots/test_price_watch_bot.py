"""The bot's routing as a user meets it: greetings, commands, odd input, state."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from botbuilder.schema import Activity, ActivityTypes, Attachment, ChannelAccount

from dialogs import texts
from state.sqlite import SqliteStore
from tests.support.chat import Chat, World, open_world
from tests.support.clock import FakeClock
from tests.support.feeds import MarketFeed

KEY = "test/convo-1"
EMPTY_LIST = 'You\'re not watching anything yet. Try "watch headphones 20%".'


def members_added(*ids: str) -> Activity:
    return Activity(
        type=ActivityTypes.conversation_update,
        members_added=[ChannelAccount(id=member_id) for member_id in ids],
    )


async def greeted_chat(world: World) -> Chat:
    chat = world.chat()
    assert await chat.say("hello") == [texts.GREETING]
    return chat


# Greeting


async def test_a_user_joining_is_greeted(world: World) -> None:
    chat = world.chat()
    assert await chat.send(members_added("user-1")) == [texts.GREETING]
    assert await chat.say("list") == [EMPTY_LIST], "one greeting is enough"


async def test_the_bot_joining_alone_is_not_greeted(world: World) -> None:
    chat = world.chat()
    assert await chat.send(members_added("bot")) == []
    assert await chat.say("list") == [texts.GREETING, EMPTY_LIST]


async def test_the_bot_and_a_user_joining_together_get_one_greeting(world: World) -> None:
    chat = world.chat()
    assert await chat.send(members_added("bot", "user-1")) == [texts.GREETING]


async def test_the_first_message_of_a_new_conversation_is_greeted_once(world: World) -> None:
    chat = world.chat()
    assert await chat.say("list") == [texts.GREETING, EMPTY_LIST]
    assert await chat.say("list") == [EMPTY_LIST]
    other = world.chat("convo-2", "user-2")
    assert await other.say("list") == [texts.GREETING, EMPTY_LIST]
    assert await other.say("list") == [EMPTY_LIST]


async def test_a_first_message_that_starts_a_dialog_gets_greeting_and_prompt(
    world: World,
) -> None:
    chat = world.chat()
    assert await chat.say("watch") == [texts.GREETING, "Which product should I watch?"]


# Commands


async def test_help_lists_the_commands(world: World) -> None:
    chat = await greeted_chat(world)
    [reply] = await chat.say("help")
    for command in ["**watch**", "**list**", "**remove 2**", "**cancel**"]:
        assert command in reply
    assert await chat.say("?") == [reply]
    assert await chat.say("  HELP ") == [reply]


@pytest.mark.parametrize("text", ["what's up", "buy me headphones", "watchlist please"])
async def test_unknown_text_gets_a_helpful_fallback(world: World, text: str) -> None:
    chat = await greeted_chat(world)
    assert await chat.say(text) == [
        'Sorry, I didn\'t get that. Try "watch headphones 20%", "list" or "help".'
    ]


async def test_cancel_with_nothing_open_says_so(world: World) -> None:
    chat = await greeted_chat(world)
    assert await chat.say("cancel") == [
        'There\'s nothing to cancel. Say "help" to see what I can do.'
    ]


async def test_list_with_no_watches(world: World) -> None:
    chat = await greeted_chat(world)
    assert await chat.say("list") == [EMPTY_LIST]


async def test_list_shows_numbered_rows_with_current_and_trigger_prices(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch headphones 20%")
    await chat.say("watch espresso machine below 300")
    world.set_price("p-100", "189.50")
    assert await chat.say("list") == [
        "Your watches:\n"
        "\n"
        "1. **Noise-cancelling headphones** – now $189.50, alert at $159.99 or less\n"
        "2. **Espresso machine** – now $449.00, alert at $300.00 or less"
    ]


async def test_list_says_price_unavailable_when_the_feed_fails(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch headphones 20%")
    world.feed.failing = True
    assert await chat.say("list") == [
        "Your watches:\n"
        "\n"
        "1. **Noise-cancelling headphones** – price unavailable, alert at $159.99 or less"
    ]
    assert world.errors == []


async def test_list_says_price_unavailable_for_a_product_without_a_price(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch headphones 20%")
    world.set_price("p-100", None)
    [listing] = await chat.say("list")
    assert "1. **Noise-cancelling headphones** – price unavailable, alert at $159.99" in listing


# Odd input never gets silence


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
async def test_an_empty_message_gets_a_reply(world: World, text: str) -> None:
    chat = await greeted_chat(world)
    assert await chat.say(text) == [texts.NO_TEXT]


async def test_an_attachment_without_text_gets_a_reply(world: World) -> None:
    chat = await greeted_chat(world)
    picture = Attachment(content_type="image/png", content_url="https://example.test/a.png")
    assert await chat.say(None, attachments=[picture]) == [
        'I can only read text messages. Try "watch headphones 20%", "list" or "help".'
    ]


async def test_a_very_long_message_is_turned_down_politely(world: World) -> None:
    chat = await greeted_chat(world)
    assert await chat.say("watch " + "x" * 19_994) == [
        "That message is too long for me (20,000 characters; I read up to 500)."
        ' Try something short like "watch headphones 20%".'
    ]
    assert world.errors == []


@pytest.mark.parametrize(
    "text",
    [
        "\x00\x07\x1b[31mred\x1b[0m",
        "\u200f\u202eevil\u202c",
        "😀🎉👍",
        "监视耳机 20%",
        "watch 🎧",
        "watch 耳机 20%",
        "remove 😀",
        "\ud800",
    ],
)
async def test_unusual_characters_get_a_reply_and_raise_nothing(world: World, text: str) -> None:
    chat = await greeted_chat(world)
    replies = await chat.say(text)
    assert replies and all(reply.strip() for reply in replies)
    assert world.errors == []
    await chat.say("cancel")
    assert await chat.say("list") == [EMPTY_LIST]


async def test_invisible_marks_around_a_command_do_not_hide_it(world: World) -> None:
    chat = await greeted_chat(world)
    [reply] = await chat.say("\u200fwatch\u00a0headphones\u200e 20%\u200f")
    assert reply.startswith("Done! Noise-cancelling headphones")


# Conversation references


async def test_every_inbound_message_stores_the_conversation_reference(world: World) -> None:
    chat = world.chat()
    assert await world.store.references.get(KEY) is None
    await chat.say("hello")
    reference = await world.store.references.get(KEY)
    assert reference is not None
    assert reference["conversation"]["id"] == "convo-1"
    assert reference["serviceUrl"] == "https://test.example"
    assert reference["channelId"] == "test"

    await chat.say("list", service_url="https://moved.example")
    moved = await world.store.references.get(KEY)
    assert moved is not None and moved["serviceUrl"] == "https://moved.example"


async def test_a_conversation_update_stores_the_reference_too(world: World) -> None:
    chat = world.chat()
    await chat.send(members_added("user-1"))
    assert await world.store.references.get(KEY) is not None


async def test_an_empty_message_still_stores_the_reference(world: World) -> None:
    chat = world.chat()
    await chat.say("")
    assert await world.store.references.get(KEY) is not None


# State survives a restart


async def restarted(world: World) -> World:
    """The same database file and market behind a freshly built bot, as after a restart."""
    await world.store.close()
    store = SqliteStore(world.store.path)
    await store.open()
    return World(store, world.market, MarketFeed(world.market), FakeClock(world.clock.now))


async def test_a_watch_dialog_continues_after_a_restart(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch")
    [prompt] = await chat.say("headphones")
    assert prompt.startswith("Noise-cancelling headphones is $199.99 now. How big a drop")

    after = await restarted(world)
    try:
        chat = after.chat()
        assert await chat.say("20%") == [
            "Noise-cancelling headphones is $199.99 now; I'll tell you when it is $159.99 or less"
            " (a 20% drop). Shall I?"
        ]
        assert (await chat.say("yes"))[0].startswith("Done! Noise-cancelling headphones")
        assert await chat.say("list") == [
            "Your watches:\n\n1. **Noise-cancelling headphones** – now $199.99,"
            " alert at $159.99 or less"
        ]
        assert after.errors == []
    finally:
        await after.store.close()


async def test_a_remove_choice_continues_after_a_restart(world: World) -> None:
    chat = await greeted_chat(world)
    await chat.say("watch headphones 20%")
    await chat.say("watch espresso machine 20%")
    assert await chat.say("remove") == ["Which watch should I remove?"]

    after = await restarted(world)
    try:
        chat = after.chat()
        assert await chat.say("2. Espresso machine ($359.20)") == [
            "OK, I've stopped watching Espresso machine."
        ]
        [listing] = await chat.say("list")
        assert "Espresso" not in listing and "1. **Noise-cancelling headphones**" in listing
        assert after.errors == []
    finally:
        await after.store.close()


async def test_help_says_what_leaving_out_the_drop_does(tmp_path: Path) -> None:
    world = await open_world(tmp_path, default_drop=Decimal(15))
    try:
        chat = await greeted_chat(world)
        [reply] = await chat.say("help")
        said = '**watch headphones** – I ask how big a drop to wait for (15% if you say "default")'
        assert said in reply and "20% if you leave it out" not in reply
        [question] = await chat.say("watch headphones")
        assert 'Say a percentage (15% if you say "default")' in question
        [promise] = await chat.say("default")
        assert "$169.99 or less (a 15% drop)" in promise
    finally:
        await world.store.close()
