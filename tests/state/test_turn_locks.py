"""One turn at a time per conversation: the lock a turn takes, and how long others wait."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from state.interfaces import Store
from tests.support.chat import open_world

pytestmark = pytest.mark.store_variants

CONVERSATION = "emulator/conv-1"


async def test_a_busy_conversation_is_refused_after_the_wait_and_free_after_release(
    store: Store,
) -> None:
    async with store.locks.hold(CONVERSATION, 0) as first:
        async with store.locks.hold(CONVERSATION, 0.05) as second:
            assert (first, second) == (True, False)
        async with store.locks.hold("emulator/other", 0) as unrelated:
            assert unrelated, "another conversation is not held up"
    async with store.locks.hold(CONVERSATION, 0) as again:
        assert again


async def test_a_waiting_turn_goes_as_soon_as_the_running_one_ends(store: Store) -> None:
    order: list[str] = []

    async def turn(name: str, work: asyncio.Event | None) -> None:
        async with store.locks.hold(CONVERSATION, 5) as mine:
            assert mine
            order.append(f"{name} starts")
            if work is not None:
                await work.wait()
            order.append(f"{name} ends")

    done = asyncio.Event()
    first = asyncio.create_task(turn("first", done))
    while not order:
        await asyncio.sleep(0)
    second = asyncio.create_task(turn("second", None))
    for _ in range(20):
        await asyncio.sleep(0)
    assert order == ["first starts"], "the second waits while the first runs"
    done.set()
    await asyncio.gather(first, second)

    assert order == ["first starts", "first ends", "second starts", "second ends"]


async def test_a_users_turn_runs_anyway_once_it_has_waited_its_time(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = await open_world(tmp_path, turn_wait_seconds=0.05)
    try:
        chat = world.chat()
        key = f"test/{chat.reference.conversation.id}"
        async with world.store.locks.hold(key, 0):  # a proactive turn that never ends
            replies = await chat.say("help")
        assert any("Here's what I understand" in reply for reply in replies)
        assert any("still busy" in record.message for record in caplog.records)
    finally:
        await world.store.close()
