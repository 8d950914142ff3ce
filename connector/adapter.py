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

A proactive turn starts from the ContinueConversation event `connector.continuation`
builds (botbuilder's own, but for an id that needs no uuid1); it still runs through
`process_proactive`, the middleware and the bot's turn handler, as the SDK's does.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Sequence

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ConversationReference
from botframework.connector.auth import BotFrameworkAuthentication, ClaimsIdentity

from connector.continuation import ContinuationIds, continuation_activity

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
    """CloudAdapter whose turns are `AcyclicTurnContext`s, and whose proactive turns start
    from `continuation_activity`; nothing else differs."""

    def __init__(self, bot_framework_authentication: BotFrameworkAuthentication) -> None:
        super().__init__(bot_framework_authentication)
        self._continuation_ids = ContinuationIds()

    async def continue_conversation(  # type: ignore[override]
        self,
        reference: ConversationReference,
        callback: Callable[[TurnContext], Awaitable[Any]],
        bot_app_id: str | None = None,
        claims_identity: ClaimsIdentity | None = None,
        audience: str | None = None,
    ) -> Any:
        """`CloudAdapterBase.continue_conversation`, step for step."""
        if claims_identity:
            return await self.continue_conversation_with_claims(
                claims_identity=claims_identity,
                reference=reference,
                audience=audience,
                logic=callback,
            )
        return await self.process_proactive(
            self.create_claims_identity(bot_app_id),
            continuation_activity(reference, self._continuation_ids.next()),
            None,
            callback,
        )

    async def continue_conversation_with_claims(
        self,
        claims_identity: ClaimsIdentity,
        reference: ConversationReference,
        audience: str | None,
        logic: Callable[[TurnContext], Awaitable[Any]],
    ) -> Any:
        return await self.process_proactive(
            claims_identity,
            continuation_activity(reference, self._continuation_ids.next()),
            audience,
            logic,
        )

    def _create_turn_context(self, *args: Any, **kwargs: Any) -> TurnContext:
        context = super()._create_turn_context(*args, **kwargs)
        # The context as the SDK made it (its turn state filled in), with our `_emit`:
        # the subclass adds no state, so changing the class changes nothing else.
        context.__class__ = AcyclicTurnContext
        return context
