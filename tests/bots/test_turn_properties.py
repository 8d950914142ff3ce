"""Properties of whole turns through TestAdapter: any text gets a reply, nothing escapes,
and the conversation's state can be loaded again afterwards."""

from __future__ import annotations

import itertools
from decimal import Decimal

from botbuilder.schema import Activity, ActivityTypes, ChannelAccount
from hypothesis import given
from hypothesis import strategies as st

from bots.bot_storage import StoreStorage
from dialogs import texts
from tests.support.chat import Chat, World
from tests.support.hostile_text import chat_text

conversation_numbers = itertools.count()
OPENINGS = (
    ["watch"],  # the product question
    ["watch headphones"],  # the drop question
    ["watch headphones", "20%"],  # the confirmation
    ["watch headphones 20%", "watch espresso machine 20%", "remove"],  # which watch to remove
)


async def greeted_chat(world: World) -> Chat:
    """A fresh conversation (and user) per example, already greeted."""
    n = next(conversation_numbers)
    chat = world.chat(conversation_id=f"prop-{n}", user=f"prop-user-{n}")
    joined = Activity(
        type=ActivityTypes.conversation_update, members_added=[ChannelAccount(id=f"prop-user-{n}")]
    )
    assert await chat.send(joined) == [texts.GREETING]
    return chat


async def assert_state_is_loadable(world: World, chat: Chat) -> None:
    key = f"test/conversations/{chat.adapter.template.conversation.id}"
    await StoreStorage(world.store.bot_state).read([key])  # raises CorruptStateError if it were not
    [reply, *reprompt] = await chat.say("help")
    assert reply == texts.help_text(Decimal(20)), "help works, and no apology for lost state"
    assert len(reprompt) <= 1
    assert world.errors == []


@given(messages=st.lists(chat_text, min_size=1, max_size=3))
async def test_every_message_gets_a_reply_and_nothing_escapes(
    world: World, messages: list[str | None]
) -> None:
    chat = await greeted_chat(world)
    for text in messages:
        replies = await chat.say(text)
        assert replies, f"silence after {text!r}"
        assert all(reply.strip() for reply in replies), f"an empty reply to {text!r}"
        assert world.errors == []
    await assert_state_is_loadable(world, chat)


@given(text=chat_text)
async def test_any_answer_at_any_dialog_step_gets_a_reply(world: World, text: str | None) -> None:
    for opening in OPENINGS:
        chat = await greeted_chat(world)
        for line in opening:
            await chat.say(line)
        assert await chat.say(text), f"silence after {text!r} following {opening}"
        assert world.errors == []
        await assert_state_is_loadable(world, chat)
