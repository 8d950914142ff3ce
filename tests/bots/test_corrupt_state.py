"""A conversation whose stored state cannot be used starts over with one apology."""

from __future__ import annotations

import logging
import pickle
from decimal import Decimal
from pathlib import Path

import pytest
from botbuilder.dialogs import DialogInstance, DialogState

from bots.bot_storage import StoreStorage
from dialogs import texts
from tests.support.channel import StandInChannel
from tests.support.chat import Chat, World
from tests.support.running import running_app

STATE_KEY = "test/conversations/convo-1"
"""Where ConversationState keeps convo-1's document: {channel}/conversations/{id}."""
ONE_WATCH = (
    "Your watches:\n\n1. **Noise-cancelling headphones** – now $199.99, alert at $159.99 or less"
)


def pickled(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


UNUSABLE: dict[str, bytes] = {
    "not a pickle": b"not a pickle {",
    "empty": b"",
    "truncated": pickled({"DialogState": DialogState()})[:-5],
    "null": pickled(None),
    "a number": pickled(42),
    "a list": pickled([1, 2]),
    "dialog state of the wrong type": pickled({"DialogState": 5}),
    "greeted of the wrong type": pickled({"Greeted": "yes"}),
    "a stack of numbers": pickled({"DialogState": DialogState([5])}),  # type: ignore[list-item]
    "an unknown dialog": pickled({"DialogState": DialogState([DialogInstance("GoneDialog", {})])}),
    "an unknown class": b"cno.such\nClass\n.",
}


async def watching_headphones(world: World) -> Chat:
    chat = world.chat()
    await chat.say("hello")
    assert (await chat.say("watch headphones 20%"))[0].startswith("Done!")
    return chat


async def corrupt(world: World, garbage: bytes, key: str = STATE_KEY) -> None:
    assert key in await world.store.bot_state.read([key]), "the key the bot really uses"
    await world.store.bot_state.write(key, garbage, None)


@pytest.mark.parametrize("garbage", UNUSABLE.values(), ids=UNUSABLE.keys())
async def test_unusable_state_starts_over_with_one_apology_and_handles_the_message(
    world: World, garbage: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    chat = await watching_headphones(world)
    await corrupt(world, garbage)

    assert await chat.say("list") == [texts.STARTED_OVER, ONE_WATCH]
    assert await chat.say("list") == [ONE_WATCH], "apologise once, and no greeting again"
    assert world.errors == []
    assert await StoreStorage(world.store.bot_state).read([STATE_KEY]), (
        "the state is readable again"
    )
    assert any(
        record.levelno == logging.ERROR and STATE_KEY in record.getMessage()
        for record in caplog.records
    )


async def test_a_dialog_lost_with_the_state_is_not_continued(world: World) -> None:
    chat = await watching_headphones(world)
    await chat.say("watch espresso")
    await corrupt(world, b"{ garbage")

    assert await chat.say("20%") == [texts.STARTED_OVER, texts.FALLBACK]
    assert (await chat.say("watch espresso machine 20%"))[0].startswith("Done! Espresso machine")
    assert world.errors == []


async def test_other_conversations_keep_their_state(world: World) -> None:
    chat = await watching_headphones(world)
    other = world.chat("convo-2", "user-2")
    await other.say("hello")
    await other.say("watch espresso")
    await corrupt(world, b"{ garbage")

    assert (await chat.say("list"))[0] == texts.STARTED_OVER
    [question] = await other.say("20%")
    assert question.startswith("Espresso machine is $449.00 now; I'll tell you when it is")


async def test_an_alert_reaches_a_conversation_whose_state_is_corrupt(world: World) -> None:
    chat = await watching_headphones(world)
    await corrupt(world, b"{ garbage")
    world.set_price("p-100", "149.99")
    assert (await world.poller.tick()).alerts == 1

    report = await world.deliverer(chat).tick()

    assert report.unsettled == 0
    [alert] = chat.replies()
    assert alert.startswith("📉 Price drop: **Noise-cancelling headphones** is now $149.99")
    assert world.errors == []
    assert await chat.say("list") == [
        texts.STARTED_OVER,
        ONE_WATCH.replace("now $199.99", "now $149.99"),
    ]
    assert (await chat.say("help")) == [texts.help_text(Decimal(20))]


async def test_the_running_app_answers_a_conversation_with_corrupt_state(
    tmp_path: Path,
) -> None:
    channel = StandInChannel()
    await channel.start()
    try:
        async with running_app(tmp_path) as app:
            assert await app.say(channel, "conv-x", "hello") == 201
            key = "emulator/conversations/conv-x"
            await app.engine.store.bot_state.write(key, b"\x00 not a document", None)
            for _ in range(2):
                assert await app.say(channel, "conv-x", "list") == 201
    finally:
        await channel.stop()

    replies = channel.texts("conv-x")[1:]
    empty_list = 'You\'re not watching anything yet. Try "watch headphones 20%".'
    assert replies == [texts.STARTED_OVER, empty_list, empty_list]
