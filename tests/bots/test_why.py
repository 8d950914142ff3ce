"""`why X` in a chat: which watch, and its story from the real store: what was recorded
when it happened, which later changes to the watch leave as it was."""

from __future__ import annotations

import pytest

from dialogs import texts
from domain.watches import Watch
from tests.support.chat import Chat, World

pytestmark = pytest.mark.store_variants


async def watching(world: World) -> Chat:
    chat = world.chat()
    assert await chat.say("hello") == [texts.GREETING]
    assert "I'll tell you when" in (await chat.say("watch headphones 20%"))[0]
    assert "I'll tell you when" in (await chat.say("watch espresso machine 20%"))[0]
    return chat


async def headphones(world: World) -> Watch:
    [watch, _] = await world.watchlist.of("test/convo-1")
    return watch


def told(story: str) -> list[str]:
    """The story's lines of what happened (not its rule, nor "right now")."""
    return [line for line in story.split("\n\n")[0].splitlines() if line.startswith("- ")]


def right_now(story: str) -> str:
    parts = story.split("\n\n")
    return parts[1] if len(parts) > 1 else ""


async def test_why_tells_an_alert_that_was_sent(world: World) -> None:
    chat = await watching(world)
    world.set_price("p-100", "149.99")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    chat.replies()

    [story] = await chat.say("why headphones")
    assert story.startswith("You're watching **Noise-cancelling headphones** for $159.99")
    assert told(story) == [
        "- today 12:00 UTC you started watching it at $199.99, for $159.99 or less.",
        "- today 12:00 UTC $149.99, at or below your $159.99 trigger: alert made.",
        "- today 12:00 UTC alert sent.",
    ]
    assert (await chat.say("why 1")) == [story]


async def test_why_tells_quiet_hours_in_the_users_zone(world: World) -> None:
    chat = await watching(world)
    await chat.say("timezone Europe/Berlin")  # 12:00 UTC is 13:00 in Berlin
    await chat.say("quiet 12:00-14:00")
    world.set_price("p-100", "149.99")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    [story] = await chat.say("why headphones")
    assert "today 13:00 held for your quiet hours, until today 14:00" in story
    assert "Your quiet hours are on: alerts wait until today 14:00" in story


@pytest.mark.parametrize(
    "text, answer",
    [
        ("why 5", 'You have 2 watches: say a number from 1 to 2 (say "list" to see them).'),
        ("why kettle", 'None of your watches matches "kettle". Say "list" to see them.'),
        ("why", 'Say which watch, like "why headphones" or "why 2".'),
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


async def test_lowering_the_target_leaves_the_story_of_the_alert_before_it_as_it_was(
    world: World,
) -> None:
    chat = await watching(world)
    watch = await headphones(world)
    world.clock.advance(600)
    world.set_price("p-100", "149.99")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    chat.replies()
    [before] = await chat.say("why headphones")

    world.clock.advance(600)
    lower = {"pricewatch": "lower", "watch_id": watch.id, "target": "120.00"}
    assert "$120.00 or less" in (await chat.say(None, value=lower))[0]
    world.clock.advance(600)
    world.set_price("p-100", "139.99")
    await world.poller.tick()
    [after] = await chat.say("why headphones")

    assert told(before) == [
        "- today 12:00 UTC you started watching it at $199.99, for $159.99 or less.",
        "- today 12:10 UTC $149.99, at or below your $159.99 trigger: alert made.",
        "- today 12:10 UTC alert sent.",
    ]
    assert told(after) == [
        *told(before),
        "- today 12:20 UTC you lowered your trigger from $159.99 to $120.00.",
        "- today 12:30 UTC $139.99, above your $120.00 trigger.",
    ]
    assert after.startswith("You're watching **Noise-cancelling headphones** for $120.00")


async def test_a_new_price_protection_watch_tells_no_price_from_before_it(world: World) -> None:
    chat = await watching(world)
    for price in ("189.99", "179.99"):
        world.set_price("p-100", price)
        await world.poller.tick()
        world.clock.advance(3600)
    assert "price protection" in (await chat.say("bought headphones at 179.99 within 14 days"))[0]
    world.clock.advance(600)
    world.set_price("p-100", "185.00")
    await world.poller.tick()

    [story] = await chat.say("why 3")

    assert told(story) == [
        "- today 14:00 UTC you started watching it at $179.99, for $179.98 or less.",
        "- today 14:10 UTC $185.00, above your $179.98 trigger.",
    ]


async def test_a_snoozed_watch_already_low_says_only_that_it_alerts_after_going_back_up(
    world: World,
) -> None:
    chat = await watching(world)
    world.set_price("p-100", "149.99")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    await chat.say("snooze headphones 2h")
    world.clock.advance(600)
    world.set_price("p-100", "139.99")
    await world.poller.tick()

    [story] = await chat.say("why headphones")

    assert right_now(story) == (
        "Right now it is snoozed until today 14:00 UTC: it tracks the price but says nothing"
        " until then. It was already at or below your trigger: I'll alert again once it goes"
        " back above and drops again."
    )


async def test_a_watch_that_drops_while_snoozed_says_only_that_it_tells_when_the_snooze_ends(
    world: World,
) -> None:
    chat = await watching(world)
    await chat.say("snooze headphones 2h")
    world.clock.advance(600)
    world.set_price("p-100", "149.99")
    await world.poller.tick()

    [story] = await chat.say("why headphones")

    assert right_now(story) == (
        "Right now it is snoozed until today 14:00 UTC: it tracks the price but says nothing"
        " until then. It reached your trigger meanwhile: I'll tell you when the snooze ends"
        " if it is still at or below it."
    )


async def test_a_quiet_hours_hold_stays_told_as_it_was_when_quiet_hours_end_early(
    world: World,
) -> None:
    chat = await watching(world)
    await chat.say("timezone Europe/Berlin")  # 12:00 UTC is 13:00 in Berlin
    await chat.say("quiet 12:00-14:00")
    world.set_price("p-100", "149.99")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    [before] = await chat.say("why headphones")

    world.clock.advance(600)
    await chat.say("quiet off")
    await world.deliverer(chat).tick()
    [after] = await chat.say("why headphones")

    assert told(before)[-1] == "- today 13:00 held for your quiet hours, until today 14:00."
    assert told(after) == [*told(before), "- today 13:10 alert sent."]


async def test_a_dropped_alert_is_told_with_why(world: World) -> None:
    chat = await watching(world)
    watch = await headphones(world)
    world.set_price("p-100", "149.99")
    await world.poller.tick()
    [made] = await world.store.outbox.of_watch(watch.id, 1)

    await world.outcomes.dropped([made], "the price went back up before I could tell you")
    await world.deliverer(chat).tick()

    assert chat.replies() == []
    [story] = await chat.say("why headphones")
    assert told(story) == [
        "- today 12:00 UTC you started watching it at $199.99, for $159.99 or less.",
        "- today 12:00 UTC $149.99, at or below your $159.99 trigger: alert made.",
        "- today 12:00 UTC alert not sent: the price went back up before I could tell you.",
    ]


async def test_an_alert_held_while_paused_then_put_aside_by_a_lower_target_is_told_so(
    world: World,
) -> None:
    chat = await watching(world)
    watch = await headphones(world)
    world.set_price("p-100", "149.99")
    await world.poller.tick()
    world.clock.advance(60)
    await chat.say("pause headphones")  # the turn holds the alert it has waiting
    world.clock.advance(60)
    await chat.say("hello")  # and so does the next: told once
    [before] = await chat.say("why headphones")

    world.clock.advance(60)
    lower = {"pricewatch": "lower", "watch_id": watch.id, "target": "120.00"}
    await chat.say(None, value=lower)
    world.clock.advance(60)
    await chat.say("resume headphones")
    await world.deliverer(chat).tick()
    [after] = await chat.say("why headphones")

    assert told(before) == [
        "- today 12:00 UTC you started watching it at $199.99, for $159.99 or less.",
        "- today 12:00 UTC $149.99, at or below your $159.99 trigger: alert made.",
        "- today 12:01 UTC you paused it.",
        "- today 12:01 UTC held: you paused the watch.",
    ]
    assert "The alert for $149.99 waits: you paused the watch." in right_now(before)
    assert told(after) == [
        *told(before),
        "- today 12:03 UTC you lowered your trigger from $159.99 to $120.00.",
        "- today 12:03 UTC alert not sent: the trigger was lowered below that price.",
        "- today 12:04 UTC you resumed it.",
    ]
