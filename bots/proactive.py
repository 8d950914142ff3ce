"""Proactive turns: a claimed batch of alerts through the bot's own on_turn.

`adapter.continue_conversation` runs the middleware and `on_turn_error` and then the
callback, which puts the batch on the turn state for the bot to find.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from botbuilder.core import Bot, BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference

from connector.direct_serializer import model_from_json
from connector.send_failures import classify
from domain.alerts import SendFailure
from domain.clock import Clock
from outbox.in_turn import ProactiveBatch

logger = logging.getLogger(__name__)

PROACTIVE_BATCH: Final = "PriceWatch.proactive_batch"
"""turn_state key: the `ProactiveBatch` a proactive turn is about."""


class BotProactiveTurns:
    def __init__(self, adapter: BotAdapter, bot: Bot, app_id: str, clock: Clock) -> None:
        self._adapter = adapter
        self._bot = bot
        self._app_id = app_id
        self._clock = clock

    @staticmethod
    def channel_of(reference: dict[str, Any]) -> str:
        """Rate limits apply per channel and tenant. Read from the stored JSON: msrest's
        deserialization costs more than the rest of the delivery's own bookkeeping.
        botbuilder writes a conversation's tenant as `tenantID` (and reads Teams'
        `tenantId` as nothing: the bot stores the one `channelData.tenant` names)."""
        conversation = reference.get("conversation") or {}
        tenant = conversation.get("tenantID") or conversation.get("tenantId") or ""
        return f"{reference.get('channelId') or ''}/{tenant}"

    async def run(self, reference: dict[str, Any], batch: ProactiveBatch) -> SendFailure | None:
        async def turn(context: TurnContext) -> None:
            context.turn_state[PROACTIVE_BATCH] = batch
            context.on_send_activities(not_a_reply)
            await self._bot.on_turn(context)

        try:
            await self._adapter.continue_conversation(
                model_from_json(ConversationReference, reference), turn, self._app_id
            )
        except Exception as error:  # the adapter may raise before the turn runs
            key = batch.alerts[0].conversation_key
            logger.exception("proactive turn for %s could not run", key)
            return classify(error, self._clock())
        return None


async def not_a_reply(context: TurnContext, activities: list[Activity], send):  # type: ignore[no-untyped-def]
    """Proactive messages answer nothing: Web Chat delays replies to unknown ids ~5 s."""
    for activity in activities:
        activity.reply_to_id = None
    return await send()
