"""A pressed alert card changes in place where the channel can (Teams, the Emulator), and
our Web Chat page is told which cards went out of date where it cannot (TestAdapter: it
records `update_activity` as a channel that takes it would)."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity, ActivityTypes

from dialogs.card_channels import WATCHES_CHANGED
from tests.support.chat import Chat, World

HEADPHONES = "Noise-cancelling headphones"


async def watching(world: World, channel_id: str, *products: str) -> Chat:
    chat = world.chat(channel_id=channel_id)
    await chat.say("hello")
    for product in products or ("headphones",):
        [done] = await chat.say(f"watch {product} 20%")
        assert done.startswith("Done!")
    chat.replies()
    return chat


async def alert_arrives(world: World, chat: Chat, **prices: str) -> Activity:
    for product_id, price in (prices or {"p-100": "149.99"}).items():
        world.set_price(product_id, price)
    await world.poller.tick()
    await world.deliverer(chat).tick()
    [alert] = chat.last_activities(1)
    chat.replies()
    return alert


def cards(activity: Activity) -> list[dict[str, Any]]:
    return [attachment.content for attachment in activity.attachments or []]


def buttons(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {action["title"]: action["data"] for action in card.get("actions", [])}


def last_line(card: dict[str, Any]) -> str:
    return str(card["body"][-1].get("text"))


async def press(chat: Chat, data: dict[str, Any]) -> list[Activity]:
    """Press a card's button (its data comes back in `value`); the messages the bot sent."""
    before = len(chat.adapter.activity_buffer)
    await chat.say(None, value=data)
    new = chat.adapter.activity_buffer[before:]
    return [activity for activity in new if activity.type == ActivityTypes.message]


async def test_a_pressed_card_is_replaced_by_one_that_says_what_was_done(world: World) -> None:
    chat = await watching(world, "emulator")
    alert = await alert_arrives(world, chat)
    [card] = cards(alert)

    assert await press(chat, buttons(card)["Snooze 1 day"]) == [], "the card says it: no reply"

    [update] = chat.adapter.updated_activities
    [watch] = await world.watchlist.of("emulator/convo-1")
    [sent] = await world.store.outbox.of_watch(watch.id, 1)
    assert update.id == sent.activity_id is not None, "the message the alert went in"
    [replaced] = cards(update)
    assert replaced["body"][:2] == card["body"][:2], "the same product and prices"
    assert last_line(replaced) == "✓ Snoozed until tomorrow 12:00 UTC."
    assert "actions" not in replaced
    assert update.text == alert.text and update.summary == alert.summary


async def test_in_a_carousel_only_the_pressed_card_changes_and_stays_changed(
    world: World,
) -> None:
    chat = await watching(world, "emulator", "headphones", "espresso machine")
    alert = await alert_arrives(world, chat, **{"p-100": "149.99", "p-200": "299.00"})
    first, second = cards(alert)

    await press(chat, buttons(first)["Lower my target to $119.99"])
    await press(chat, buttons(second)["Stop watching"])

    one, two = chat.adapter.updated_activities
    assert one.id == two.id, "both replace the one message"
    after_first = cards(one)
    assert last_line(after_first[0]) == "✓ Target lowered to $119.99."
    assert buttons(after_first[1]) == buttons(second), "the other card keeps its buttons"
    after_second = cards(two)
    assert last_line(after_second[0]) == "✓ Target lowered to $119.99."
    assert last_line(after_second[1]) == "✓ Stopped watching."
    assert all("actions" not in card for card in after_second)


async def test_a_press_that_changes_nothing_replaces_nothing(world: World) -> None:
    chat = await watching(world, "emulator")
    [card] = cards(await alert_arrives(world, chat))
    snooze = buttons(card)["Snooze 1 day"]
    assert await press(chat, snooze) == []
    chat.adapter.updated_activities.clear()

    [reply] = await press(chat, snooze)
    assert reply.text == f"{HEADPHONES} is already snoozed until tomorrow 12:00 UTC."
    assert chat.adapter.updated_activities == []


async def test_on_web_chat_the_reply_says_it_and_the_page_is_told_the_card_is_out_of_date(
    world: World,
) -> None:
    chat = await watching(world, "webchat")
    [card] = cards(await alert_arrives(world, chat))
    snooze = buttons(card)["Snooze 1 day"]

    await press(chat, snooze)

    assert chat.adapter.updated_activities == [], "Direct Line cannot update a message"
    reply, told = chat.last_activities(2)
    assert reply.text == f"OK, I've snoozed {HEADPHONES} until tomorrow 12:00 UTC."
    assert (told.type, told.name) == ("event", WATCHES_CHANGED)
    assert told.value == {str(snooze["watch_id"]): snooze["version"] + 1}


async def test_the_page_hears_of_a_watch_changed_by_a_command_and_of_nothing_else(
    world: World,
) -> None:
    chat = await watching(world, "webchat")
    [card] = cards(await alert_arrives(world, chat))
    watch_id = buttons(card)["Stop watching"]["watch_id"]

    await chat.say("list")
    assert [a.type for a in chat.last_activities(1)] == ["message"], "nothing changed: no event"

    await chat.say("pause headphones")
    [told] = chat.last_activities(1)
    assert told.name == WATCHES_CHANGED and told.value == {str(watch_id): 1}

    await chat.say("remove headphones")
    [told] = chat.last_activities(1)
    assert told.name == WATCHES_CHANGED and told.value == {str(watch_id): None}


async def test_teams_and_other_channels_get_no_page_event(world: World) -> None:
    for channel_id in ("msteams", "test"):
        chat = await watching(world, channel_id)
        await chat.say("pause headphones")
        assert all(a.type == ActivityTypes.message for a in chat.adapter.activity_buffer)
