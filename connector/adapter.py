"""The SDK's CloudAdapter, with turns that leave no reference cycle behind.

botbuilder's `TurnContext._emit` (every send, update and delete goes through it) runs the
turn's send handlers through an inner function that calls itself by name: a reference
cycle between the function and its closure, holding the TurnContext and everything the
turn reached (its activity, state, claims, connector client). Reference counting cannot
free a cycle, so each turn's objects waited for the garbage collector, whose passes over
them were about a sixth of a proactive turn's CPU in a fan-out. `AcyclicTurnContext` runs
the same handlers, in the same order, with the same `next` each gets, as a chain built
from the last handler back: nothing in it refers to itself, and a turn is freed as it
ends.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Sequence

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter

Handler = Callable[[TurnContext, Any, Callable[[], Awaitable[None]]], Awaitable[Any]]


class AcyclicTurnContext(TurnContext):
    async def _emit(self, plugins: Sequence[Handler], arg: Any, logic: Awaitable[Any]) -> Any:
        """What `TurnContext._emit` does: each handler in turn, given the next as its
        `next`; then `logic`, awaited whether or not the handlers called `next`."""
        following: Callable[[], Awaitable[None]] = _nothing
        for handler in reversed(list(plugins)):
            following = _step(self, handler, arg, following)
        await following()
        return await logic


def _step(
    context: TurnContext, handler: Handler, arg: Any, following: Callable[[], Awaitable[None]]
) -> Callable[[], Awaitable[None]]:
    async def step() -> None:
        await handler(context, arg, following)

    return step


async def _nothing() -> None:
    return None


class AcyclicCloudAdapter(CloudAdapter):
    """CloudAdapter whose turns are `AcyclicTurnContext`s; nothing else differs."""

    def _create_turn_context(self, *args: Any, **kwargs: Any) -> TurnContext:
        context = super()._create_turn_context(*args, **kwargs)
        # The context as the SDK made it (its turn state filled in), with our `_emit`:
        # the subclass adds no state, so changing the class changes nothing else.
        context.__class__ = AcyclicTurnContext
        return context
