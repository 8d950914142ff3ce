"""A turn writes its conversation's state back only when something in it changed."""

from typing import Sequence

import pytest
from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import DialogInstance, DialogState
from botbuilder.dialogs.prompts import PromptOptions
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from bots.bot_storage import StoreStorage
from bots.conversation_state import PickleHashedConversationState
from state.interfaces import BotStateStore, StateRecord
from state.sqlite import SqliteStore

pytestmark = pytest.mark.store_variants


class CountedWrites:
    """The store's bot state, counting the documents written."""

    def __init__(self, inner: BotStateStore) -> None:
        self._inner = inner
        self.writes = 0

    async def read(self, keys: Sequence[str]) -> dict[str, StateRecord]:
        return await self._inner.read(keys)

    async def write(self, key: str, value: bytes, expected_etag: int | None) -> int:
        self.writes += 1
        return await self._inner.write(key, value, expected_etag)


def turn() -> TurnContext:
    return TurnContext(
        TestAdapter(),
        Activity(
            type=ActivityTypes.message,
            channel_id="msteams",
            conversation=ConversationAccount(id="conv-a"),
            from_property=ChannelAccount(id="user-1"),
            recipient=ChannelAccount(id="bot"),
        ),
    )


async def waiting_question(state: PickleHashedConversationState) -> None:
    """A conversation whose prompt waits for an answer, as a dialog leaves it."""
    context = turn()
    dialog_state = await state.create_property("DialogState").get(context, DialogState)
    options = PromptOptions(prompt=Activity(type=ActivityTypes.message, text="Which one?"))
    dialog_state.dialog_stack.append(
        DialogInstance("watch_dialog.choose", {"options": options, "state": {"tries": 1}})
    )
    await state.save_changes(context)


async def test_a_turn_that_changes_nothing_writes_nothing(store: SqliteStore) -> None:
    counted = CountedWrites(store.bot_state)
    state = PickleHashedConversationState(StoreStorage(counted))  # type: ignore[arg-type]
    await waiting_question(state)
    assert counted.writes == 1

    context = turn()  # a later turn (an alert's) reads the stack and leaves it be
    await state.load(context)
    dialog_state = await state.create_property("DialogState").get(context, DialogState)
    assert dialog_state.dialog_stack[0].id == "watch_dialog.choose"
    await state.save_changes(context)
    assert counted.writes == 1


async def test_a_turn_that_changes_the_state_writes_it(store: SqliteStore) -> None:
    counted = CountedWrites(store.bot_state)
    state = PickleHashedConversationState(StoreStorage(counted))  # type: ignore[arg-type]
    await waiting_question(state)

    context = turn()
    await state.load(context)
    dialog_state = await state.create_property("DialogState").get(context, DialogState)
    dialog_state.dialog_stack[0].state["state"]["tries"] = 2
    await state.save_changes(context)
    assert counted.writes == 2

    again = turn()
    await state.load(again)
    reread = await state.create_property("DialogState").get(again, DialogState)
    assert reread.dialog_stack[0].state["state"]["tries"] == 2
    await state.save_changes(again)
    assert counted.writes == 2
