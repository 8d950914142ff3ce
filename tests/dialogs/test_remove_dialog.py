"""Removing watches: by number, by name, or by picking from the offered list."""

from __future__ import annotations

import pytest

from dialogs import texts
from tests.support.chat import Chat, World

NOTHING_TO_REMOVE = texts.NO_WATCHES


async def chat_watching(world: World, *commands: str) -> Chat:
    chat = world.chat()
    await chat.say("hello")
    for command in commands:
        [reply] = await chat.say(command)
        assert reply.startswith("Done!"), reply
    return chat


async def watched_names(chat: Chat) -> list[str]:
    """Product names in the order "list" shows them."""
    [listing] = await chat.say("list")
    return [line.split("**")[1] for line in listing.splitlines() if "**" in line]


def buttons(chat: Chat) -> list[str]:
    [activity] = chat.last_activities(1)
    assert activity.suggested_actions is not None, f"no buttons on {activity.text!r}"
    return [action.title for action in activity.suggested_actions.actions]


async def three_watches(world: World) -> Chat:
    return await chat_watching(
        world, "watch headphones 20%", "watch coffee grinder 20%", "watch coffee beans 10%"
    )


async def test_remove_by_number_removes_that_row_of_the_list(world: World) -> None:
    chat = await three_watches(world)
    assert await chat.say("remove 2") == ["OK, I've stopped watching Burr coffee grinder."]
    assert await watched_names(chat) == [
        "Noise-cancelling headphones",
        "Single-origin coffee beans",
    ]


async def test_remove_accepts_a_hash_before_the_number(world: World) -> None:
    chat = await three_watches(world)
    assert await chat.say("remove #3") == ["OK, I've stopped watching Single-origin coffee beans."]


@pytest.mark.parametrize("number", ["99999999999999999999", "0", "5", "3"])
async def test_a_number_outside_the_list_says_which_numbers_exist(
    world: World, number: str
) -> None:
    chat = await chat_watching(world, "watch headphones 20%", "watch espresso 20%")
    assert await chat.say(f"remove {number}") == [
        'You have 2 watches: say a number from 1 to 2 (say "list" to see them).'
    ]
    assert await watched_names(chat) == ["Noise-cancelling headphones", "Espresso machine"]


async def test_a_negative_number_says_numbers_start_at_one(world: World) -> None:
    chat = await chat_watching(world, "watch headphones 20%")
    assert await chat.say("remove -1") == ['Watch numbers start at 1: say "list" to see them.']
    assert await watched_names(chat) == ["Noise-cancelling headphones"]


async def test_remove_by_name(world: World) -> None:
    chat = await three_watches(world)
    assert await chat.say("remove headphones") == [
        "OK, I've stopped watching Noise-cancelling headphones."
    ]
    assert await watched_names(chat) == ["Burr coffee grinder", "Single-origin coffee beans"]


async def test_a_name_matching_two_watches_offers_them_as_choices(world: World) -> None:
    chat = await three_watches(world)
    assert await chat.say("remove coffee") == ["Which watch should I remove?"]
    assert buttons(chat) == [
        "2. Burr coffee grinder ($119.20)",
        "3. Single-origin coffee beans ($16.65)",
    ]
    assert await chat.say("3. Single-origin coffee beans ($16.65)") == [
        "OK, I've stopped watching Single-origin coffee beans."
    ]
    assert await watched_names(chat) == ["Noise-cancelling headphones", "Burr coffee grinder"]


async def test_typing_the_number_shown_on_a_choice_removes_that_watch(world: World) -> None:
    chat = await three_watches(world)
    await chat.say("remove coffee")
    # The buttons read "2. Burr coffee grinder ..." and "3. Single-origin coffee beans ...".
    assert await chat.say("2") == ["OK, I've stopped watching Burr coffee grinder."]
    assert await watched_names(chat) == [
        "Noise-cancelling headphones",
        "Single-origin coffee beans",
    ]


async def test_typing_the_product_name_of_a_choice_removes_that_watch(world: World) -> None:
    chat = await three_watches(world)
    await chat.say("remove coffee")
    assert await chat.say("Single-origin coffee beans") == [
        "OK, I've stopped watching Single-origin coffee beans."
    ]


async def test_an_answer_matching_no_choice_asks_again(world: World) -> None:
    chat = await three_watches(world)
    await chat.say("remove coffee")
    assert await chat.say("zzz") == [f"Which watch should I remove? {texts.OR_CANCEL}"]
    assert len(buttons(chat)) == 2
    assert await chat.say("2. Burr coffee grinder ($119.20)") == [
        "OK, I've stopped watching Burr coffee grinder."
    ]


@pytest.mark.parametrize("answer", ["neither one", "not the first"])
async def test_an_answer_naming_no_watch_removes_nothing(world: World, answer: str) -> None:
    chat = await three_watches(world)
    await chat.say("remove coffee")
    assert await chat.say(answer) == [f"Which watch should I remove? {texts.OR_CANCEL}"]
    assert await chat.say("cancel") == ["OK, cancelled."]
    assert len(await watched_names(chat)) == 3


async def test_remove_without_an_argument_offers_every_watch(world: World) -> None:
    chat = await three_watches(world)
    assert await chat.say("remove") == ["Which watch should I remove?"]
    assert buttons(chat) == [
        "1. Noise-cancelling headphones ($159.99)",
        "2. Burr coffee grinder ($119.20)",
        "3. Single-origin coffee beans ($16.65)",
    ]
    assert await chat.say("1. Noise-cancelling headphones ($159.99)") == [
        "OK, I've stopped watching Noise-cancelling headphones."
    ]
    assert await watched_names(chat) == ["Burr coffee grinder", "Single-origin coffee beans"]


async def test_a_name_matching_no_watch_says_so(world: World) -> None:
    chat = await three_watches(world)
    assert await chat.say("remove zzz") == [
        'None of your watches matches "zzz". Say "list" to see them.'
    ]
    assert len(await watched_names(chat)) == 3
    assert await chat.say("zzz") == [texts.FALLBACK], "no dialog may be left open"


@pytest.mark.parametrize("command", ["remove", "remove 1", "remove headphones"])
async def test_remove_with_no_watches_is_friendly(world: World, command: str) -> None:
    chat = await chat_watching(world)
    assert await chat.say(command) == [NOTHING_TO_REMOVE]


async def test_cancel_in_the_choice_keeps_every_watch(world: World) -> None:
    chat = await three_watches(world)
    await chat.say("remove")
    assert await chat.say("cancel") == [texts.CANCELLED]
    assert len(await watched_names(chat)) == 3
    assert await chat.say("1") == [texts.FALLBACK], "the choice must be gone"
