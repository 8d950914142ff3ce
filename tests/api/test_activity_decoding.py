"""Decoding an activity: msrest's verdict, the first bad field named, big bodies off the loop."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterator

import pytest
from botbuilder.schema import Activity

from api.activity_decoding import ActivityDecoder, DecoderBusy, MalformedActivity, decode

HELLO: dict[str, Any] = {
    "type": "message",
    "channelId": "emulator",
    "conversation": {"id": "c"},
    "text": "hello",
}


def test_a_good_body_becomes_an_activity() -> None:
    activity = decode({**HELLO, "membersAdded": [{"id": "u"}], "custom": {"kept": True}})
    assert isinstance(activity, Activity)
    assert activity.text == "hello" and activity.members_added[0].id == "u"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"timestamp": "soon"}, "timestamp"),
        ({"semanticAction": 5}, "semanticAction"),
        ({"membersAdded": "x", "semanticAction": 5}, "membersAdded"),
        ({**{f"unknown{i}": {"any": i} for i in range(100)}, "entities": [1]}, "entities"),
    ],
    ids=["a date", "the last field", "the first of two", "behind many unknown fields"],
)
def test_a_bad_field_is_named(fields: dict[str, Any], named: str) -> None:
    with pytest.raises(MalformedActivity, match=f"the activity's {named} has the wrong type"):
        decode({**HELLO, **fields})


class GatedThread(ThreadPoolExecutor):
    """One worker thread that counts its jobs and starts each once the test opens it."""

    def __init__(self) -> None:
        super().__init__(1)
        self.jobs = 0
        self.gate = threading.Event()
        self.gate.set()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.jobs += 1

        def gated() -> Any:
            self.gate.wait(timeout=10)
            return fn(*args, **kwargs)

        return super().submit(gated)


@pytest.fixture
def thread() -> Iterator[GatedThread]:
    executor = GatedThread()
    yield executor
    executor.gate.set()
    executor.shutdown()


async def test_small_bodies_are_decoded_in_place_and_big_ones_in_the_thread(
    thread: GatedThread,
) -> None:
    decoder = ActivityDecoder(inline_values=10, inline_bytes=10_000, thread=thread)
    small = await decoder.decode(HELLO, values=5, size=100)
    assert small.text == "hello" and thread.jobs == 0

    many = await decoder.decode({**HELLO, "value": list(range(20))}, values=26, size=200)
    long = await decoder.decode({**HELLO, "text": "x" * 20_000}, values=5, size=20_100)
    assert many.value == list(range(20)) and len(long.text) == 20_000
    assert thread.jobs == 2

    with pytest.raises(MalformedActivity, match="timestamp"):
        await decoder.decode({**HELLO, "timestamp": "soon"}, values=26, size=200)


async def test_when_too_many_big_bodies_wait_the_next_is_refused(thread: GatedThread) -> None:
    decoder = ActivityDecoder(inline_values=0, max_waiting=2, thread=thread)
    thread.gate.clear()
    waiting = [asyncio.create_task(decoder.decode(HELLO, values=5, size=100)) for _ in range(2)]
    await asyncio.sleep(0)  # both are handed to the thread, which holds them

    with pytest.raises(DecoderBusy):
        await decoder.decode(HELLO, values=5, size=100)
    thread.gate.set()
    assert [activity.text for activity in await asyncio.gather(*waiting)] == ["hello"] * 2
    assert (await decoder.decode(HELLO, values=5, size=100)).text == "hello"
