"""Alerts go through a real continue-conversation turn and the bot's own on_turn."""

from __future__ import annotations

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import ActivityTypes

from domain.alerts import AlertStatus
from tests.support.chat import Chat, World

pytestmark = pytest.mark.store_variants  # every backend, and SQLite yielding at every call


async def watch_headphones(world: World) -> Chat:
    chat = world.chat()
    await chat.say("hello")
    assert "I'll tell you when it is $159.99 or less" in (await chat.say("watch headphones 20%"))[0]
    return chat


async def drop_and_poll(world: World, product_id: str = "p-100", price: str = "149.99") -> int:
    world.set_price(product_id, price)
    return (await world.poller.tick()).alerts


async def test_the_bot_sees_a_continue_conversation_event(world: World) -> None:
    chat = await watch_headphones(world)
    seen: list[tuple[str, str]] = []
    original = world.bot.on_event_activity

    async def spy(context: TurnContext) -> None:
        seen.append((context.activity.type, context.activity.name))
        await original(context)

    world.bot.on_event_activity = spy  # type: ignore[method-assign]
    await drop_and_poll(world)
    await world.deliverer(chat).tick()
    assert seen == [(ActivityTypes.event, "ContinueConversation")]


async def test_an_idle_user_gets_the_alert_at_once(world: World) -> None:
    chat = await watch_headphones(world)
    assert await drop_and_poll(world) == 1
    report = await world.deliverer(chat).tick()
    assert report.conversations == 1 and report.unsettled == 0
    [alert] = chat.replies()
    assert "Noise-cancelling headphones" in alert
    assert "$149.99" in alert and "$199.99" in alert and "25.0%" in alert
    assert "remove Noise-cancelling headphones" in alert
    assert (await world.store.outbox.counts())[AlertStatus.SENT.value] == 1


async def test_a_proactive_message_is_not_a_reply(world: World) -> None:
    chat = await watch_headphones(world)
    await drop_and_poll(world)
    await world.deliverer(chat).tick()
    [activity] = chat.last_activities(1)
    assert activity.reply_to_id is None


async def test_an_alert_fires_once_while_the_price_stays_low(world: World) -> None:
    chat = await watch_headphones(world)
    assert await drop_and_poll(world) == 1
    for _ in range(3):
        assert (await world.poller.tick()).alerts == 0
    await world.deliverer(chat).tick()
    assert len(chat.replies()) == 1
    await world.deliverer(chat).tick()
    assert chat.replies() == []


async def test_an_alert_is_held_mid_dialog_and_sent_when_it_ends(world: World) -> None:
    chat = await watch_headphones(world)
    assert "Which product" in (await chat.say("watch"))[0]
    await drop_and_poll(world)
    await world.deliverer(chat).tick()
    assert chat.replies() == [], "nothing may interrupt a waiting prompt"
    assert (await world.store.outbox.counts())[AlertStatus.HELD.value] == 1

    await chat.say("espresso machine")
    await chat.say("30%")
    replies = await chat.say("yes")
    assert len(replies) == 2
    assert replies[0].startswith("Done! Espresso machine")
    assert "Price drop" in replies[1] and "$149.99" in replies[1]
    assert (await world.store.outbox.counts())[AlertStatus.SENT.value] == 1


async def test_a_held_alert_is_sent_right_after_cancel(world: World) -> None:
    chat = await watch_headphones(world)
    await chat.say("watch")
    await drop_and_poll(world)
    await world.deliverer(chat).tick()
    replies = await chat.say("cancel")
    assert replies[0] == "OK, cancelled."
    assert "Price drop" in replies[1]


async def test_a_held_alert_goes_out_anyway_after_the_hold_time(world: World) -> None:
    chat = await watch_headphones(world)
    await chat.say("watch")
    await drop_and_poll(world)
    await world.deliverer(chat).tick()
    world.clock.advance(world.hold_seconds - 1)
    await world.deliverer(chat).tick()
    assert chat.replies() == []
    world.clock.advance(1)
    await world.deliverer(chat).tick()
    [alert] = chat.replies()
    assert "Price drop" in alert


async def test_alerts_from_one_poll_go_out_as_one_message(world: World) -> None:
    chat = await watch_headphones(world)
    await chat.say("watch espresso machine 10%")
    world.set_price("p-200", "399.00")
    assert await drop_and_poll(world) == 2
    await world.deliverer(chat).tick()
    [message] = chat.replies()
    assert "Price drops on 2 of your watches" in message
    assert "Espresso machine" in message and "Noise-cancelling headphones" in message


async def test_each_conversation_gets_only_its_own_alerts(world: World) -> None:
    alice = await watch_headphones(world)
    bob = world.chat("convo-2", "user-2")
    await bob.say("hello")
    await bob.say("watch espresso machine 10%")
    world.set_price("p-200", "399.00")
    await drop_and_poll(world)
    await world.deliverer(alice).tick()  # one adapter serves both proactive turns
    sent = {activity.conversation.id: activity.text for activity in alice.last_activities(2)}
    assert "Noise-cancelling headphones" in sent["convo-1"]
    assert "Espresso" not in sent["convo-1"]
    assert "Espresso machine" in sent["convo-2"]
