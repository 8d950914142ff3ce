"""A turn's objects are freed as the turn ends, and its send handlers run as the SDK's do."""

from __future__ import annotations

import weakref
from typing import Any, Awaitable, Callable

from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationAccount

from connector.adapter import AcyclicTurnContext
from connector.aiohttp_transport import BufferedResponse


def incoming() -> Activity:
    return Activity(
        type=ActivityTypes.message,
        text="hi",
        channel_id="test",
        service_url="https://test.example",
        conversation=ConversationAccount(id="c-1"),
        from_property=ChannelAccount(id="u-1"),
        recipient=ChannelAccount(id="bot"),
    )


async def alive_after_a_send(kind: type[TurnContext]) -> bool:
    adapter = TestAdapter()
    context = kind(adapter, incoming())
    await context.send_activity("Price drop")
    gone = weakref.ref(context)
    del context
    return gone() is not None


async def test_a_turn_that_sent_is_freed_when_it_ends(no_collector: None) -> None:
    assert await alive_after_a_send(TurnContext), "the SDK's own context waits for the collector"
    assert not await alive_after_a_send(AcyclicTurnContext)


def test_a_buffered_response_is_freed_when_dropped(no_collector: None) -> None:
    response = BufferedResponse(None, 201, {"Content-Type": "application/json"}, "Created", b"{}")  # type: ignore[arg-type]
    assert response.internal_response is response
    gone = weakref.ref(response)
    del response
    assert gone() is None


Next = Callable[[], Awaitable[None]]


async def test_send_handlers_run_in_order_each_with_the_next_then_the_send() -> None:
    said: list[str] = []

    def handler(name: str, calls_next: bool = True) -> Callable[..., Awaitable[Any]]:
        async def handle(context: TurnContext, activities: list[Activity], next_: Next) -> Any:
            said.append(f"{name} before")
            if calls_next:
                await next_()
            said.append(f"{name} after")

        return handle

    for kind in (TurnContext, AcyclicTurnContext):
        adapter = TestAdapter()
        context = kind(adapter, incoming())
        context.on_send_activities(handler("first"))
        context.on_send_activities(handler("second", calls_next=False))
        context.on_send_activities(handler("third"))
        await context.send_activity("Price drop")
        said.append(f"sent {len(adapter.activity_buffer)}")
    sdk, ours = said[: len(said) // 2], said[len(said) // 2 :]
    assert ours == sdk == ["first before", "second before", "second after", "first after", "sent 1"]
