"""pause, resume, snooze and bought, as a user meets them (TestAdapter)."""

from __future__ import annotations

import pytest

from dialogs import texts
from tests.support.chat import Chat, World

HEADPHONES = "Noise-cancelling headphones"


async def watching(world: World, *commands: str) -> Chat:
    chat = world.chat()
    assert await chat.say("hello") == [texts.GREETING]
    for command in commands:
        [reply] = await chat.say(command)
        assert reply.startswith("Done!"), reply
    await world.poller.tick()
    return chat


async def poll_and_deliver(world: World, chat: Chat) -> list[str]:
    await world.poller.tick()
    await world.deliverer(chat).tick()
    return chat.replies()


async def test_pause_keeps_quiet_and_resume_alerts_once_for_a_drop_meanwhile(
    world: World,
) -> None:
    chat = await watching(world, "watch headphones 20%")
    assert await chat.say("pause headphones") == [
        f'OK, I\'ve paused {HEADPHONES} until you say "resume {HEADPHONES}".'
    ]
    [listed] = await chat.say("list")
    assert listed.endswith("alert at $159.99 or less; paused by you")

    world.set_price("p-100", "150.00")
    assert await poll_and_deliver(world, chat) == [], "asleep: no alert"
    world.set_price("p-100", "149.00")
    assert await poll_and_deliver(world, chat) == []

    replies = await chat.say("resume headphones")
    assert replies[0] == f"OK, I've resumed {HEADPHONES} and I'll alert you as usual."
    assert len(replies) == 2 and "now $149.00, down 25.5% ($50.99) from $199.99" in replies[1]
    assert await chat.say("resume headphones") == [
        f"{HEADPHONES} wasn't paused or snoozed: I'm alerting you about it as usual."
    ], "no second alert, and no claim to have resumed it"
    assert await poll_and_deliver(world, chat) == []


async def test_a_watch_that_went_back_up_while_paused_says_nothing_on_resume(
    world: World,
) -> None:
    chat = await watching(world, "watch headphones 20%")
    await chat.say("pause 1")
    world.set_price("p-100", "150.00")
    await poll_and_deliver(world, chat)
    world.set_price("p-100", "199.00")  # re-armed while asleep
    await poll_and_deliver(world, chat)
    assert await chat.say("resume 1") == [
        f"OK, I've resumed {HEADPHONES} and I'll alert you as usual."
    ]


async def test_pause_all_and_resume_all(world: World) -> None:
    chat = await watching(world, "watch headphones 20%", "watch keyboard 20%")
    assert await chat.say("pause all") == [
        'OK, I\'ve paused all 2 of your watches until you say "resume all".'
    ]
    world.set_price("p-100", "100.00")
    world.set_price("p-400", "50.00")
    assert await poll_and_deliver(world, chat) == []
    replies = await chat.say("resume all")
    assert replies[0] == "OK, I've resumed all 2 of your watches and I'll alert you as usual."
    assert "Price drops on 2 of your watches" in replies[1]


async def test_a_snooze_runs_out_at_the_poll_and_alerts_once(world: World) -> None:
    chat = await watching(world, "watch headphones 20%")
    assert await chat.say("snooze headphones 2h") == [
        f"OK, I've snoozed {HEADPHONES} until 2026-11-25 14:00 UTC."
    ]
    [listed] = await chat.say("list")
    assert listed.endswith("; snoozed until 2026-11-25 14:00 UTC")
    world.set_price("p-100", "150.00")
    assert await poll_and_deliver(world, chat) == []
    world.clock.advance(2 * 3600)
    [alert] = await poll_and_deliver(world, chat)
    assert "now $150.00, down 25.0% ($49.99) from $199.99" in alert
    world.clock.advance(60)
    assert await poll_and_deliver(world, chat) == [], "once"


async def test_snooze_all_in_words(world: World) -> None:
    chat = await watching(world, "watch headphones 20%", "watch keyboard 20%")
    assert await chat.say("snooze all 1 day") == [
        "OK, I've snoozed all 2 of your watches until 2026-11-26 12:00 UTC."
    ]


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("snooze headphones", 'Say which watch and for how long, like "snooze headphones 2h"'),
        ("snooze headphones 91d", "A snooze lasts from 1 minute to 90 days."),
        ("snooze headphones soon", '"soon" is not a time I can read'),
        ("pause", 'Say which watch, like "pause headphones"'),
        ("pause 0", "Watch numbers start at 1"),
        ("pause 7", "You have 1 watch: say a number from 1 to 1"),
        ("pause espresso", 'None of your watches matches "espresso"'),
    ],
)
async def test_sleep_commands_with_wrong_words_get_a_friendly_answer(
    world: World, text: str, reply: str
) -> None:
    chat = await watching(world, "watch headphones 20%")
    [said] = await chat.say(text)
    assert reply in said


async def test_an_ambiguous_name_lists_the_candidates(world: World) -> None:
    chat = await watching(world, "watch coffee grinder 20%", "watch coffee beans below 15")
    [said] = await chat.say("pause coffee")
    assert said.startswith('Several of your watches match; say which by its number, like "pause 1":')
    assert "1. Burr coffee grinder ($119.20)" in said
    assert "2. Single-origin coffee beans ($15.00)" in said


async def test_bought_protects_the_price_paid_and_alerts_with_the_money_to_claim(
    world: World,
) -> None:
    chat = world.chat()
    await chat.say("hello")
    assert await chat.say("bought headphones at 199.99 within 14 days") == [
        f"OK: until 2026-12-09 12:00 UTC I'll tell you if {HEADPHONES} gets cheaper"
        " than the $199.99 you paid (price protection)."
    ]
    [listed] = await chat.say("list")
    assert listed.endswith(
        "alert at $199.98 or less; price protection until 2026-12-09 12:00 UTC (you paid $199.99)"
    )
    await poll_and_deliver(world, chat)
    world.set_price("p-100", "190.98")
    [alert] = await poll_and_deliver(world, chat)
    assert (
        f"{HEADPHONES}** is now $190.98. You paid $199.99:"
        " you may be able to claim $9.01 back (price protection until 2026-12-09 12:00 UTC)"
        in alert
    )


async def test_bought_above_todays_price_says_so_at_once_and_not_again(world: World) -> None:
    chat = world.chat()
    await chat.say("hello")
    [reply] = await chat.say("bought headphones at $210")
    assert reply.endswith("It is $199.99 already: you may be able to claim $10.01 back.")
    assert "until 2026-12-25 12:00 UTC" in reply, "30 days unless you say"
    assert await poll_and_deliver(world, chat) == []


async def test_protection_ends_with_its_window(world: World) -> None:
    chat = world.chat()
    await chat.say("hello")
    await chat.say("bought headphones at 199.99 within 1 day")
    await poll_and_deliver(world, chat)
    world.clock.advance(86400)
    world.set_price("p-100", "150.00")
    assert await poll_and_deliver(world, chat) == [], "past its window: silent"
    [listed] = await chat.say("list")
    assert "price protection ended 2026-11-26 12:00 UTC" in listed
    assert await world.store.watches.remove_expired(world.clock()) == 1


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("bought headphones", 'Tell me what you paid, like "bought headphones at 179"'),
        ("bought headphones at cheap", '"cheap" is not a price I can read'),
        ("bought headphones at 179 within 0 days", "Price protection lasts from 1 to 365 days"),
        ("bought headphones at 179 within 366 days", "Price protection lasts from 1 to 365"),
        ("bought unicorn at 179", 'I couldn\'t find "unicorn". Say "watch" to see the products I know.'),
        ("bought coffee at 20", 'Several products match "coffee". Which one did you buy: Burr coffee grinder, Single-'),
    ],
)
async def test_bought_with_wrong_words_gets_a_friendly_answer(
    world: World, text: str, reply: str
) -> None:
    chat = world.chat()
    await chat.say("hello")
    [said] = await chat.say(text)
    assert reply in said
