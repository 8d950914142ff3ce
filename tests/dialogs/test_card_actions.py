"""The alert card's buttons, as the bot gets them back: idle, mid-dialog, stale, twice,
and hostile payloads (TestAdapter)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dialogs import texts
from tests.support.chat import Chat, World

HEADPHONES = "Noise-cancelling headphones"
GONE = "You're no longer watching that, so there's nothing to {}. Say \"list\" to see your watches."


async def watching(world: World) -> tuple[Chat, int]:
    chat = world.chat()
    await chat.say("hello")
    [done] = await chat.say("watch headphones 20%")
    assert done.startswith("Done!")
    [watch] = await world.watchlist.of("test/convo-1")
    return chat, watch.id


async def click(chat: Chat, value: Any, text: str | None = None) -> list[str]:
    return await chat.say(text, value=value)


async def test_stop_watching_removes_it_and_a_second_click_is_friendly(world: World) -> None:
    chat, watch_id = await watching(world)
    stop = {"pricewatch": "stop", "watch_id": watch_id}
    assert await click(chat, stop, "Stop watching") == [f"OK, I've stopped watching {HEADPHONES}."]
    assert await world.watchlist.of("test/convo-1") == []
    assert await click(chat, stop) == [GONE.format("stop")]


async def test_snooze_one_day_then_again_says_until_when(world: World) -> None:
    chat, watch_id = await watching(world)
    snooze = {"pricewatch": "snooze", "watch_id": watch_id}
    assert await click(chat, snooze) == [f"OK, I've snoozed {HEADPHONES} until tomorrow 12:00 UTC."]
    world.clock.advance(60)
    assert await click(chat, snooze) == [
        f"{HEADPHONES} is already snoozed until tomorrow 12:00 UTC."
    ]


async def test_lower_my_target_sets_it_and_twice_says_it_is_already_there(world: World) -> None:
    chat, watch_id = await watching(world)
    lower = {"pricewatch": "lower", "watch_id": watch_id, "target": "120.00"}
    assert await click(chat, lower) == [f"OK, I'll tell you when {HEADPHONES} is $120.00 or less."]
    assert await click(chat, lower) == [f"Your target for {HEADPHONES} is already $120.00."]
    [listed] = await chat.say("list")
    assert "alert at $120.00 or less" in listed
    await world.poller.tick()
    world.set_price("p-100", "130.00")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    assert chat.replies() == [], "$130 is above the new target"
    world.set_price("p-100", "119.00")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    [alert] = chat.replies()
    assert "now $119.00, down 8.5% ($11.00) from $130.00" in alert, "from the last price"


async def test_lower_under_a_price_already_below_says_when_it_will_alert(world: World) -> None:
    chat, watch_id = await watching(world)
    world.set_price("p-100", "100.00")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    chat.replies()
    lower = {"pricewatch": "lower", "watch_id": watch_id, "target": "120"}
    [reply] = await click(chat, lower)
    assert reply.startswith(f"OK, I'll tell you when {HEADPHONES} is $120.00 or less. It is at")


async def test_a_lower_target_under_half_the_price_is_refused_and_changes_nothing(
    world: World,
) -> None:
    """The card never offers it; a payload edited by hand asks for $0.01, which would
    silently end the watch's alerts."""
    chat, watch_id = await watching(world)
    await world.poller.tick()  # the watch sees $199.99
    lower = {"pricewatch": "lower", "watch_id": watch_id, "target": "0.01"}
    assert await click(chat, lower) == [
        f"I won't lower the target for {HEADPHONES} under $100.00, half its price now."
        f' To choose another, say "watch {HEADPHONES} below" and the price.'
    ]
    [watch] = await world.watchlist.of("test/convo-1")
    assert watch.rule.trigger_price == Decimal("159.99")
    edge = {"pricewatch": "lower", "watch_id": watch_id, "target": "100.00"}
    assert await click(chat, edge) == [f"OK, I'll tell you when {HEADPHONES} is $100.00 or less."]


async def test_a_button_mid_dialog_is_done_and_the_dialog_asks_again(world: World) -> None:
    chat, watch_id = await watching(world)
    assert await chat.say("watch") == ["Which product should I watch?"]
    assert await click(chat, {"pricewatch": "snooze", "watch_id": watch_id}, "Snooze 1 day") == [
        f"OK, I've snoozed {HEADPHONES} until tomorrow 12:00 UTC.",
        "Which product should I watch?",
    ]
    replies = await chat.say("keyboard")
    assert replies and "Mechanical keyboard" in replies[0], "the dialog carries on"


async def test_a_stale_button_mid_dialog_is_friendly_and_reprompts(world: World) -> None:
    chat, watch_id = await watching(world)
    await chat.say("remove headphones")
    assert await chat.say("watch") == ["Which product should I watch?"]
    lower = {"pricewatch": "lower", "watch_id": watch_id, "target": "100"}
    assert await click(chat, lower) == [GONE.format("lower"), "Which product should I watch?"]


async def test_another_conversations_watch_cannot_be_touched(world: World) -> None:
    _, watch_id = await watching(world)
    other = world.chat("convo-2", "user-2")
    await other.say("hello")
    assert await click(other, {"pricewatch": "stop", "watch_id": watch_id}) == [GONE.format("stop")]
    assert len(await world.watchlist.of("test/convo-1")) == 1


@pytest.mark.parametrize(
    "value",
    [
        {"pricewatch": "explode", "watch_id": 1},
        {"pricewatch": "stop"},
        {"pricewatch": "stop", "watch_id": "1"},
        {"pricewatch": "stop", "watch_id": True},
        {"pricewatch": "stop", "watch_id": 10**30},
        {"pricewatch": "stop", "watch_id": -1},
        {"pricewatch": "stop", "watch_id": 1.0},
        {"pricewatch": None, "watch_id": 1},
        {"pricewatch": ["stop"], "watch_id": 1},
        {"pricewatch": "lower", "watch_id": 1},
        {"pricewatch": "lower", "watch_id": 1, "target": 100},
        {"pricewatch": "lower", "watch_id": 1, "target": "NaN"},
        {"pricewatch": "lower", "watch_id": 1, "target": "inf"},
        {"pricewatch": "lower", "watch_id": 1, "target": "-5"},
        {"pricewatch": "lower", "watch_id": 1, "target": "0"},
        {"pricewatch": "lower", "watch_id": 1, "target": "1e999"},
        {"pricewatch": "lower", "watch_id": 1, "target": "9" * 5000},
        {"pricewatch": "lower", "watch_id": 1, "target": "cheap"},
    ],
)
async def test_hostile_payloads_get_a_friendly_sentence(world: World, value: Any) -> None:
    chat, _ = await watching(world)
    assert await click(chat, value, "Stop watching") == [
        'Sorry, I couldn\'t make sense of that button. Say "list" to see your watches.'
    ]
    assert len(await world.watchlist.of("test/convo-1")) == 1
    assert world.errors == []


async def test_a_value_that_is_not_ours_is_read_as_text(world: World) -> None:
    chat, _ = await watching(world)
    help_reply = texts.help_text(world.default_drop)
    assert await chat.say("help", value={"something": "else"}) == [help_reply]


# --- a card's press is applied once: the card names its watch as it showed it ---


async def card_of_an_alert(world: World, chat: Chat) -> dict[str, dict[str, Any]]:
    """The price drops; the alert's card arrives: its buttons' data, by title."""
    world.set_price("p-100", "149.99")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    [alert] = chat.last_activities(1)
    chat.replies()
    [attachment] = alert.attachments
    return {action["title"]: action["data"] for action in attachment.content["actions"]}


async def test_a_card_pressed_twice_changes_the_watch_once(world: World) -> None:
    chat, _ = await watching(world)
    buttons = await card_of_an_alert(world, chat)
    snooze = buttons["Snooze 1 day"]
    assert await click(chat, snooze) == [f"OK, I've snoozed {HEADPHONES} until tomorrow 12:00 UTC."]
    [snoozed] = await world.watchlist.of("test/convo-1")

    world.clock.advance(3 * 3600)  # hours later, the same card's button again
    assert await click(chat, snooze) == [
        f"{HEADPHONES} is already snoozed until tomorrow 12:00 UTC."
    ]
    [watch] = await world.watchlist.of("test/convo-1")
    assert watch.snoozed_until == snoozed.snoozed_until, "not snoozed a second time"
    assert watch.user_version == snoozed.user_version

    lower = buttons["Lower my target to $119.99"]
    assert await click(chat, lower) == [texts.CARD_OUT_OF_DATE]
    [watch] = await world.watchlist.of("test/convo-1")
    assert watch.rule.trigger_price == Decimal("159.99") and watch.snoozed_until is not None


async def test_a_card_made_before_the_watch_changed_is_out_of_date(world: World) -> None:
    chat, _ = await watching(world)
    buttons = await card_of_an_alert(world, chat)
    await chat.say("pause headphones")

    assert await click(chat, buttons["Snooze 1 day"]) == [texts.CARD_OUT_OF_DATE]
    assert await click(chat, buttons["Lower my target to $119.99"]) == [texts.CARD_OUT_OF_DATE]
    [watch] = await world.watchlist.of("test/convo-1")
    assert watch.paused_by_user and watch.snoozed_until is None
    assert watch.rule.trigger_price == Decimal("159.99")

    # Stopping means the same whatever changed: it stops.
    stop = buttons["Stop watching"]
    assert await click(chat, stop) == [f"OK, I've stopped watching {HEADPHONES}."]
    assert await click(chat, stop) == [GONE.format("stop")]


async def test_a_price_that_moved_since_leaves_the_cards_buttons_good(world: World) -> None:
    chat, _ = await watching(world)
    buttons = await card_of_an_alert(world, chat)
    world.set_price("p-100", "144.99")  # the poll writes the watch: its version moves on
    await world.poller.tick()

    assert await click(chat, buttons["Lower my target to $119.99"]) == [
        f"OK, I'll tell you when {HEADPHONES} is $119.99 or less."
    ]


async def test_a_newer_card_of_the_same_watch_works_after_an_older_one_was_used(
    world: World,
) -> None:
    chat, _ = await watching(world)
    first = await card_of_an_alert(world, chat)
    assert (await click(chat, first["Lower my target to $119.99"]))[0].startswith("OK")
    world.set_price("p-100", "129.99")
    await world.poller.tick()  # back above $119.99: re-armed
    world.set_price("p-100", "99.99")
    await world.poller.tick()
    await world.deliverer(chat).tick()
    [second] = chat.last_activities(1)
    chat.replies()
    data = {a["title"]: a["data"] for a in second.attachments[0].content["actions"]}
    assert data["Snooze 1 day"]["version"] == first["Snooze 1 day"]["version"] + 1
    [reply] = await click(chat, data["Snooze 1 day"])
    assert reply.startswith(f"OK, I've snoozed {HEADPHONES}")


async def test_what_a_card_did_is_kept_with_its_alert(world: World) -> None:
    chat, watch_id = await watching(world)
    buttons = await card_of_an_alert(world, chat)
    await click(chat, buttons["Snooze 1 day"])

    [alert] = await world.store.outbox.of_watch(watch_id, 1)
    assert alert.card_done == "Snoozed until tomorrow 12:00 UTC."
    assert alert.activity_id is not None, "the id the channel gave its message"


async def test_a_card_naming_an_alert_of_another_watch_marks_nothing(world: World) -> None:
    chat, watch_id = await watching(world)
    buttons = await card_of_an_alert(world, chat)
    await chat.say("watch espresso machine 10%")
    [espresso] = [w for w in await world.watchlist.of("test/convo-1") if w.id != watch_id]
    forged = {**buttons["Snooze 1 day"], "watch_id": espresso.id, "version": 0}

    [reply] = await click(chat, forged)
    assert reply.startswith("OK, I've snoozed Espresso machine")
    [alert] = await world.store.outbox.of_watch(watch_id, 1)
    assert alert.card_done is None, "the headphones' card says nothing it did not do"


@pytest.mark.parametrize(
    "extra",
    [
        {"version": -1},
        {"version": "3"},
        {"version": 1.0},
        {"version": True},
        {"version": 10**30},
        {"alert_id": 0},
        {"alert_id": "7"},
        {"alert_id": [7]},
    ],
)
async def test_a_hostile_version_or_alert_gets_a_friendly_sentence(
    world: World, extra: dict[str, Any]
) -> None:
    chat, watch_id = await watching(world)
    assert await click(chat, {"pricewatch": "snooze", "watch_id": watch_id, **extra}) == [
        'Sorry, I couldn\'t make sense of that button. Say "list" to see your watches.'
    ]
    [watch] = await world.watchlist.of("test/convo-1")
    assert watch.snoozed_until is None and world.errors == []
