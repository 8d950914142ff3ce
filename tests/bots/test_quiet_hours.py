"""Quiet hours and the time zone, as a user meets them: the commands, the hold, the digest."""

from __future__ import annotations

import pickle
from datetime import datetime, timezone

import pytest

from bots.quiet_settings import QUIET_HOURS, TIME_ZONE
from dialogs import quiet_texts, texts
from domain.alerts import AlertStatus
from tests.support.chat import Chat, World

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call

PRODUCTS = {
    "p-100": ("headphones", "149.99"),
    "p-200": ("espresso machine", "349.00"),
    "p-300": ("monitor", "229.99"),
    "p-400": ("keyboard", "59.99"),
    "p-500": ("robot vacuum", "179.00"),
}
# The fake clock starts at 2026-11-25 12:00 UTC: inside 11:00-13:00 UTC.
AROUND_NOW = "11:00-13:00"


async def greeted(world: World) -> Chat:
    chat = world.chat()
    assert await chat.say("hello") == [texts.GREETING]
    return chat


async def watch_all(chat: Chat) -> None:
    for name, _ in PRODUCTS.values():
        assert "I'll tell you when" in (await chat.say(f"watch {name} 20%"))[0]


async def drop_all(world: World) -> int:
    for product_id, (_, price) in PRODUCTS.items():
        world.set_price(product_id, price)
    return (await world.poller.tick()).alerts


# The commands


async def test_quiet_hours_are_confirmed_in_utc_until_a_zone_is_known(world: World) -> None:
    chat = await greeted(world)
    assert await chat.say("quiet") == [quiet_texts.NO_QUIET_HOURS]
    assert await chat.say("quiet 22:00-07:00") == [
        'Quiet hours are 22:00-07:00 (in UTC; say "timezone Europe/Berlin" to change).'
        " Alerts that come in then wait for 07:00 and arrive together."
    ]
    assert await chat.say("timezone europe/berlin") == [
        "Your time zone is Europe/Berlin. Your quiet hours, 22:00-07:00, are in that zone now."
    ]
    assert await chat.say("quiet 10pm-7am") == [
        "Quiet hours are 22:00-07:00 (Europe/Berlin). Alerts that come in then wait for"
        " 07:00 and arrive together."
    ]
    assert (await chat.say("quiet"))[0].startswith("Quiet hours are 22:00-07:00 (Europe/Berlin).")
    assert await chat.say("quiet off") == ["Quiet hours are off. No alerts were waiting."]
    assert await chat.say("quiet") == [quiet_texts.NO_QUIET_HOURS]


@pytest.mark.parametrize("text", ["quiet 7-7", "quiet soon", "quiet 25:00-07:00"])
async def test_a_window_i_cannot_read_gets_an_example(world: World, text: str) -> None:
    chat = await greeted(world)
    [reply] = await chat.say(text)
    assert "quiet 22:00-07:00" in reply
    assert await chat.say("quiet") == [quiet_texts.NO_QUIET_HOURS]


async def test_timezone_alone_says_the_current_one(world: World) -> None:
    chat = await greeted(world)
    assert "I don't know your time zone, so I use UTC" in (await chat.say("timezone"))[0]
    await chat.say("timezone America/New_York")
    assert (await chat.say("timezone"))[0].startswith("Your time zone is America/New_York.")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "x" * 200, "Europe"])
async def test_an_unknown_zone_gets_an_example(world: World, zone: str) -> None:
    chat = await greeted(world)
    [reply] = await chat.say(f"timezone {zone}")
    assert "is not a time zone I know" in reply and "timezone Europe/Berlin" in reply
    assert "I don't know your time zone" in (await chat.say("timezone"))[0]


async def test_the_chat_apps_local_timezone_is_remembered(world: World) -> None:
    chat = world.chat()
    await chat.say("hello", local_timezone="Asia/Tokyo")
    assert await chat.say("timezone") == [
        'Your time zone is Asia/Tokyo (from your chat app). To change it, say "timezone" and'
        ' the zone\'s name, like "timezone Europe/Berlin".'
    ]


async def test_the_zone_you_have_is_never_the_example_to_change_it() -> None:
    said = quiet_texts.zone_now("Europe/Berlin", chosen=True)
    assert said.count("Europe/Berlin") == 1 and '"timezone America/New_York"' in said


@pytest.mark.parametrize(
    "name", ["localtime", "Factory", "FACTORY", "posixrules", "posix/Asia/Tokyo"]
)
async def test_zone_names_that_are_no_place_are_refused_with_the_reason(
    world: World, name: str
) -> None:
    chat = world.chat()
    await chat.say("hello")
    [reply] = await chat.say(f"timezone {name}")
    assert "is no place's time" in reply and '"timezone Europe/Berlin"' in reply
    assert "I don't know your time zone" in (await chat.say("timezone"))[0]
    await chat.say("hello", local_timezone=name)
    assert "I don't know your time zone" in (await chat.say("timezone"))[0], "nor from the app"


def test_one_alert_that_waited_is_not_counted_as_one() -> None:
    assert (
        quiet_texts.quiet_off(1) == "Quiet hours are off. The alert that was waiting is on the way."
    )


@pytest.mark.parametrize("hostile", ["", "Not/AZone", "../x", "\x00", "A" * 10_000, 42])
async def test_a_bad_local_timezone_is_ignored(world: World, hostile: str) -> None:
    chat = world.chat()
    await chat.say("hello", local_timezone="Europe/Paris")
    await chat.say("list", local_timezone=hostile)
    assert (await chat.say("timezone"))[0].startswith("Your time zone is Europe/Paris")


async def test_a_zone_the_user_chose_beats_the_chat_apps(world: World) -> None:
    chat = await greeted(world)
    await chat.say("timezone Europe/Berlin")
    await chat.say("list", local_timezone="Asia/Tokyo")
    assert (await chat.say("timezone"))[0].startswith("Your time zone is Europe/Berlin.")


# The hold and the digest


async def test_alerts_in_quiet_hours_arrive_as_one_digest_when_they_end(world: World) -> None:
    chat = await greeted(world)
    await watch_all(chat)
    await chat.say(f"quiet {AROUND_NOW}")

    assert await drop_all(world) == 5
    await world.deliverer(chat).tick()
    assert chat.replies() == [], "quiet hours: nothing arrives"
    assert (await world.store.outbox.counts())[AlertStatus.HELD.value] == 5

    assert await chat.say("list") != [], "the user may chat"
    assert (await world.store.outbox.counts())[AlertStatus.HELD.value] == 5, "alerts still wait"

    world.clock.advance(59 * 60)
    await world.deliverer(chat).tick()
    assert chat.replies() == []

    world.clock.advance(60)  # 13:00 UTC: the window ends
    report = await world.deliverer(chat).tick()
    assert report.conversations == 1
    [digest] = chat.replies()
    assert digest.startswith(quiet_texts.QUIET_DIGEST_HEADING)
    assert digest.count("\n- ") == 5
    assert (await world.store.outbox.counts())[AlertStatus.SENT.value] == 5


async def test_quiet_hours_follow_the_users_zone(world: World) -> None:
    chat = await greeted(world)
    await watch_all(chat)
    await chat.say("timezone Asia/Tokyo")  # 12:00 UTC is 21:00 in Tokyo
    await chat.say("quiet 20:00-22:00")
    await drop_all(world)
    await world.deliverer(chat).tick()
    assert chat.replies() == []
    world.clock.now = datetime(2026, 11, 25, 13, 0, tzinfo=timezone.utc)  # 22:00 in Tokyo
    await world.deliverer(chat).tick()
    assert len(chat.replies()) == 1


async def test_quiet_off_sends_what_waited_at_the_next_tick(world: World) -> None:
    chat = await greeted(world)
    await watch_all(chat)
    await chat.say(f"quiet {AROUND_NOW}")
    await drop_all(world)
    await world.deliverer(chat).tick()
    assert chat.replies() == []

    off, digest = await chat.say("quiet off")  # the user's own turn sends what waited
    assert off == "Quiet hours are off. The 5 alerts that were waiting are on the way."
    assert digest.startswith(quiet_texts.QUIET_DIGEST_HEADING)
    await world.deliverer(chat).tick()
    assert chat.replies() == [], "each alert once"


async def test_a_dialog_open_when_quiet_hours_end_still_holds_the_digest(world: World) -> None:
    chat = await greeted(world)
    await watch_all(chat)
    await chat.say(f"quiet {AROUND_NOW}")
    await drop_all(world)
    await world.deliverer(chat).tick()

    world.clock.advance(3600)
    assert "Which product" in (await chat.say("watch"))[0]
    await world.deliverer(chat).tick()
    assert chat.replies() == [], "the dialog's hold applies on top"

    world.clock.advance(world.hold_seconds)
    await world.deliverer(chat).tick()
    [digest] = chat.replies()
    assert digest.startswith(quiet_texts.QUIET_DIGEST_HEADING)


async def test_outside_quiet_hours_an_alert_comes_at_once(world: World) -> None:
    chat = await greeted(world)
    await watch_all(chat)
    await chat.say("quiet 22:00-07:00")
    await drop_all(world)
    await world.deliverer(chat).tick()
    [message] = chat.replies()
    assert not message.startswith(quiet_texts.QUIET_DIGEST_HEADING)


# Stored values that cannot be used start the conversation over


@pytest.mark.parametrize(
    "field, value",
    [
        (QUIET_HOURS, "7-7"),
        (QUIET_HOURS, 42),
        (QUIET_HOURS, "22:00-07:00 "),
        (TIME_ZONE, "Europe/Berlin"),
        (TIME_ZONE, {"name": "Mars/Base", "chosen": True}),
        (TIME_ZONE, {"name": "Europe/Berlin", "chosen": "yes"}),
        (TIME_ZONE, {"name": "Europe/Berlin"}),
    ],
)
async def test_a_corrupt_stored_setting_starts_over_cleanly(
    world: World, field: str, value: object
) -> None:
    chat = await greeted(world)
    await chat.say("quiet 22:00-07:00")
    key = "test/conversations/convo-1"
    assert key in await world.store.bot_state.read([key]), "the key the bot really uses"
    document = {"Greeted": True, QUIET_HOURS: "22:00-07:00", field: value}
    await world.store.bot_state.write(key, pickle.dumps(document), None)

    assert await chat.say("quiet") == [texts.STARTED_OVER, quiet_texts.NO_QUIET_HOURS]
