"""pause, resume, snooze and bought, as a user meets them (TestAdapter)."""

from __future__ import annotations

import pytest

from dialogs import texts
from tests.support.chat import Chat, World
from watchers.poller import UNAVAILABLE_AFTER_NULLS

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
        f"OK, I've snoozed {HEADPHONES} until today 14:00 UTC."
    ]
    [listed] = await chat.say("list")
    assert listed.endswith("; snoozed until today 14:00 UTC")
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
        "OK, I've snoozed all 2 of your watches until tomorrow 12:00 UTC."
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
    assert said.startswith(
        'Several of your watches match; say which by its number, like "pause 1":'
    )
    assert "1. Burr coffee grinder ($119.20)" in said
    assert "2. Single-origin coffee beans ($15.00)" in said


async def test_bought_protects_the_price_paid_and_alerts_with_the_money_to_claim(
    world: World,
) -> None:
    chat = world.chat()
    await chat.say("hello")
    assert await chat.say("bought headphones at 199.99 within 14 days") == [
        f"OK: until Dec 9, 12:00 UTC I'll tell you if {HEADPHONES} gets cheaper"
        " than the $199.99 you paid (price protection)."
    ]
    [listed] = await chat.say("list")
    assert listed.endswith(
        "alert at $199.98 or less; price protection until Dec 9, 12:00 UTC (you paid $199.99)"
    )
    await poll_and_deliver(world, chat)
    world.set_price("p-100", "190.98")
    [alert] = await poll_and_deliver(world, chat)
    assert (
        f"{HEADPHONES}** is now $190.98. You paid $199.99:"
        " you may be able to claim $9.01 back (price protection until Dec 9, 12:00 UTC)" in alert
    )


async def test_bought_above_todays_price_says_so_at_once_and_not_again(world: World) -> None:
    chat = world.chat()
    await chat.say("hello")
    [reply] = await chat.say("bought headphones at $210")
    assert reply.endswith("It is $199.99 already: you may be able to claim $10.01 back.")
    assert "until Dec 25, 12:00 UTC" in reply, "30 days unless you say"
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
    assert "price protection ended today 12:00 UTC" in listed
    assert await world.store.watches.remove_expired(world.clock()) == 1


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("bought headphones", 'Tell me what you paid, like "bought headphones at 179"'),
        ("bought headphones at cheap", '"cheap" is not a price I can read'),
        ("bought headphones at 179 within 0 days", "Price protection lasts from 1 to 365 days"),
        ("bought headphones at 179 within 366 days", "Price protection lasts from 1 to 365"),
        (
            "bought unicorn at 179",
            'I couldn\'t find "unicorn". Say "watch" to see the products I know.',
        ),
        (
            "bought coffee at 20",
            'Several products match "coffee". Which one did you buy: Burr coffee grinder, Single-',
        ),
    ],
)
async def test_bought_with_wrong_words_gets_a_friendly_answer(
    world: World, text: str, reply: str
) -> None:
    chat = world.chat()
    await chat.say("hello")
    [said] = await chat.say(text)
    assert reply in said


# Pause, snooze and resume composed: the reply says exactly what changed, and `list`
# and `why` say the same.


async def test_snooze_on_a_paused_watch_replaces_the_pause_and_says_so(world: World) -> None:
    chat = await watching(world, "watch e-reader 20%")
    await chat.say("pause e-reader")
    assert await chat.say("snooze e-reader 1m") == [
        "OK, E-reader is no longer paused: I've snoozed it until today 12:01 UTC instead."
    ]
    [listed] = await chat.say("list")
    assert listed.endswith("; snoozed until today 12:01 UTC") and "paused" not in listed
    [story] = await chat.say("why e-reader")
    assert "snoozed until" in story and "you have paused it" not in story
    world.set_price("p-900", "100.00")
    assert await poll_and_deliver(world, chat) == []
    world.clock.advance(61)
    [alert] = await poll_and_deliver(world, chat)
    assert "E-reader** is now $100.00" in alert, "the snooze ran out: the alert comes"


async def test_pause_on_a_snoozed_watch_replaces_the_snooze_and_says_so(world: World) -> None:
    chat = await watching(world, "watch e-reader 20%")
    await chat.say("snooze e-reader 2h")
    assert await chat.say("pause e-reader") == [
        "OK, I've paused E-reader (instead of snoozed until today 14:00 UTC) until you"
        ' say "resume E-reader".'
    ]
    [listed] = await chat.say("list")
    assert listed.endswith("; paused by you")
    world.clock.advance(3 * 3600)
    world.set_price("p-900", "100.00")
    assert await poll_and_deliver(world, chat) == [], "still paused after the old snooze"


async def test_pausing_twice_and_snoozing_again_say_what_they_did(world: World) -> None:
    chat = await watching(world, "watch e-reader 20%")
    await chat.say("pause e-reader")
    assert await chat.say("pause e-reader") == [
        'E-reader is already paused; say "resume E-reader" to hear about it again.'
    ]
    await chat.say("snooze e-reader 1h")
    assert await chat.say("snooze e-reader 3h") == [
        "OK, I've snoozed E-reader until today 15:00 UTC (instead of today 13:00 UTC)."
    ]


async def test_resume_on_an_awake_watch_says_it_was_not_asleep(world: World) -> None:
    chat = await watching(world, "watch e-reader 20%")
    assert await chat.say("resume e-reader") == [
        "E-reader wasn't paused or snoozed: I'm alerting you about it as usual."
    ]
    assert await chat.say("resume all") == [
        "E-reader wasn't paused or snoozed: I'm alerting you about it as usual."
    ]


async def test_resume_on_an_unavailable_product_says_so(world: World) -> None:
    chat = await watching(world, "watch e-reader 20%", "watch keyboard 20%")
    await chat.say("pause e-reader")
    world.set_price("p-900", None)
    for _ in range(UNAVAILABLE_AFTER_NULLS):
        await poll_and_deliver(world, chat)
    [listed] = await chat.say("list")
    assert "unavailable (paused until it's back)" in listed
    assert await chat.say("resume e-reader") == [
        "OK, I've resumed E-reader, but it is unavailable at the moment: I'll tell you when"
        " it's back."
    ]
    assert await chat.say("resume e-reader") == [
        "E-reader wasn't paused or snoozed, but it is unavailable at the moment: I'll tell you"
        " when it's back."
    ]
    world.set_price("p-900", "139.99")
    [back] = await poll_and_deliver(world, chat)
    assert "E-reader** is available again" in back, "as the reply promised"


async def test_pause_all_says_what_it_did_to_each_when_they_differ(world: World) -> None:
    chat = await watching(world, "watch e-reader 20%", "watch keyboard 20%")
    await chat.say("pause e-reader")
    assert await chat.say("pause all") == [
        '- E-reader is already paused; say "resume E-reader" to hear about it again.\n'
        '- OK, I\'ve paused Mechanical keyboard until you say "resume Mechanical keyboard".'
    ]
    assert await chat.say("pause all") == ["All 2 of your watches are paused already."]


async def test_the_card_button_snooze_on_a_paused_watch_says_the_pause_ended(
    world: World,
) -> None:
    chat = await watching(world, "watch e-reader 20%")
    await chat.say("pause e-reader")
    [watch] = await world.watchlist.of("test/convo-1")
    [reply] = await chat.say(None, value={"pricewatch": "snooze", "watch_id": watch.id})
    assert reply == (
        "OK, E-reader is no longer paused: I've snoozed it until tomorrow 12:00 UTC instead."
    )


@pytest.mark.parametrize(
    ("said", "until"),
    [
        ("snooze e-reader 2 hours", "today 14:00"),
        ("snooze e-reader 2h", "today 14:00"),
        ("snooze e-reader 14d", "Dec 9, 12:00"),
        ("snooze e-reader 2 weeks", "Dec 9, 12:00"),
        ("snooze e-reader 1w", "Dec 2, 12:00"),
        ("snooze e-reader a week", "Dec 2, 12:00"),
    ],
)
async def test_snooze_reads_every_way_of_saying_a_time(world: World, said: str, until: str) -> None:
    chat = await watching(world, "watch e-reader 20%")
    assert await chat.say(said) == [f"OK, I've snoozed E-reader until {until} UTC."]


@pytest.mark.parametrize(
    ("said", "until", "paid"),
    [
        ("bought skillet at 35.50 within 2 weeks", "Dec 9,", "$35.50"),
        ("bought skillet at $35.50 within 14d", "Dec 9,", "$35.50"),
        ("bought skillet for 35,50 within 10 days", "Dec 5,", "$35.50"),
        ("bought skillet at 35,5 within 1w", "Dec 2,", "$35.50"),
        ("bought skillet at 1,600 within a week", "Dec 2,", "$1,600.00"),
    ],
)
async def test_bought_reads_the_same_amounts_of_time_and_money(
    world: World, said: str, until: str, paid: str
) -> None:
    chat = world.chat()
    await chat.say("hello")
    [reply] = await chat.say(said)
    assert reply.startswith(
        f"OK: until {until} 12:00 UTC I'll tell you if Cast-iron skillet gets cheaper than"
        f" the {paid} you paid"
    ), reply


@pytest.mark.parametrize(
    ("said", "refusal"),
    [
        ("bought skillet at 0.014", "I can't protect a price of 0.01: there is no lower price"),
        ("bought skillet at 0.01", "I can't protect a price of 0.01"),
        ("bought skillet at 1E+5", '"1E+5" is not a price I can read'),
        ("bought skillet at 35.50 within 2 hours", "Price protection lasts from 1 to 365 days"),
        ("bought skillet at 35.50 within", 'Say how long, like "within 14 days"'),
        ("bought skillet at 35.50 within soon", '"soon" is not a time I can read'),
    ],
)
async def test_bought_refuses_with_a_clear_reason(world: World, said: str, refusal: str) -> None:
    chat = world.chat()
    await chat.say("hello")
    [reply] = await chat.say(said)
    assert refusal in reply, reply
    assert (await chat.say("list"))[0] == texts.NO_WATCHES


async def test_a_tokyo_user_reads_one_time_in_the_snooze_reply_list_and_why(world: World) -> None:
    chat = await watching(world, "watch headphones 20%")
    await chat.say("timezone Asia/Tokyo")  # 12:00 UTC is 21:00 in Tokyo
    assert await chat.say("snooze headphones 5h") == [
        f"OK, I've snoozed {HEADPHONES} until tomorrow 02:00."
    ]
    [listed] = await chat.say("list")
    assert listed.endswith("; snoozed until tomorrow 02:00")
    [story] = await chat.say("why headphones")
    assert "Right now it is snoozed until tomorrow 02:00:" in story
    assert "UTC" not in listed + story


async def test_the_chat_apps_own_zone_is_used_until_the_user_sets_one(world: World) -> None:
    chat = world.chat()
    await chat.say("hello", local_timezone="America/New_York")  # 12:00 UTC is 07:00 there
    await chat.say("watch headphones 20%")
    [reply] = await chat.say("bought headphones at 199.99 within 3 days")
    assert reply.startswith("OK: until Nov 28, 07:00 I'll tell you")
    [listed] = await chat.say("list")
    assert "price protection until Nov 28, 07:00 (you paid $199.99)" in listed


async def test_without_a_zone_every_time_says_it_is_utc(world: World) -> None:
    chat = await watching(world, "watch headphones 20%")
    assert await chat.say("snooze headphones 30m") == [
        f"OK, I've snoozed {HEADPHONES} until today 12:30 UTC."
    ]
    [listed] = await chat.say("list")
    assert listed.endswith("; snoozed until today 12:30 UTC")
