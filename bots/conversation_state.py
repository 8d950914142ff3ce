"""Conversation state whose change check costs a pickle, not a jsonpickle walk.

botbuilder's BotState decides whether to write state back by hashing it three times a
turn (after loading, before saving, after saving) with jsonpickle's flatten, which
walks every SDK object in a dialog stack in pure Python: more CPU than the rest of a
chat turn. pickle answers the same question — did anything change? — in C. A false
"changed" would only cost an extra write; pickle of equal state is equal bytes.
"""

from __future__ import annotations

import pickle
from typing import Any, Dict

from botbuilder.core import ConversationState, TurnContext
from botbuilder.core.bot_state import CachedBotState


class _PickleHashedState(CachedBotState):
    def compute_hash(self, obj: object) -> Any:
        try:
            return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # something unpicklable: fall back to botbuilder's own check
            return super().compute_hash(obj)


class PickleHashedConversationState(ConversationState):
    async def load(self, turn_context: TurnContext, force: bool = False) -> None:
        cached = self.get_cached_state(turn_context)
        if force or not cached or not cached.state:
            key = self.get_storage_key(turn_context)
            items: Dict[str, Any] = await self._storage.read([key])
            turn_context.turn_state[self._context_service_key] = _PickleHashedState(items.get(key))

    async def clear_state(self, turn_context: TurnContext) -> None:
        cleared = _PickleHashedState()
        cleared.hash = b""  # never equal to a real hash: the cleared state gets saved
        turn_context.turn_state[self._context_service_key] = cleared
