"""botbuilder's Storage contract on top of the Store, so bot state survives restarts.

State documents hold SDK objects (a DialogState with its prompts' options and
activities), so they are pickled: the SDK's own JSON story for Python is jsonpickle,
which costs about as much CPU as the rest of a chat turn. Like jsonpickle, pickle
trusts the bytes it reads; only this app writes them, into its own database.
"""

from __future__ import annotations

import logging
import pickle
from typing import Any, Dict, List

from botbuilder.core import Storage, StoreItem

from state.interfaces import BotStateStore, EtagConflict

logger = logging.getLogger(__name__)

ETAG = "e_tag"


class CorruptStateError(Exception):
    """A stored state document could not be decoded."""

    def __init__(self, key: str) -> None:
        super().__init__(f"state document {key!r} is corrupt")
        self.key = key


class StoreStorage(Storage):
    """e_tag None or "*" overwrites; any other e_tag writes only if nothing changed."""

    def __init__(self, bot_state: BotStateStore) -> None:
        self._bot_state = bot_state

    async def read(self, keys: List[str]) -> Dict[str, Any]:
        if keys is None:
            raise ValueError("Keys are required when reading")
        records = await self._bot_state.read(keys)
        items: Dict[str, Any] = {}
        for key, record in records.items():
            try:
                item = pickle.loads(record.value)
            except Exception:  # unpickling raises many kinds on bad input
                logger.exception("state document %r is corrupt", key)
                raise CorruptStateError(key) from None
            if not isinstance(item, dict):
                logger.error("state document %r is not an object", key)
                raise CorruptStateError(key)
            item[ETAG] = str(record.etag)
            items[key] = item
        return items

    async def write(self, changes: Dict[str, StoreItem]) -> None:
        if changes is None:
            raise ValueError("Changes are required when writing")
        if not changes:  # botbuilder's own storages accept an empty list too
            return
        for key, change in changes.items():
            expected = _expected_etag(change)
            value = pickle.dumps(_without_etag(change), protocol=pickle.HIGHEST_PROTOCOL)
            try:
                etag = await self._bot_state.write(key, value, expected)
            except EtagConflict:
                raise KeyError(f"Etag conflict on {key!r}") from None
            if isinstance(change, dict):
                change[ETAG] = str(etag)
            else:
                setattr(change, ETAG, str(etag))

    async def delete(self, keys: List[str]) -> None:
        await self._bot_state.delete(list(keys))  # BotState.delete passes a set


def _expected_etag(change: Any) -> int | None:
    raw = change.get(ETAG) if isinstance(change, dict) else getattr(change, ETAG, None)
    if raw is None or raw == "*":
        return None
    if raw == "":
        raise ValueError("a state write needs an e_tag or none, not an empty one")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return -1  # an e_tag this store never issued cannot match


def _without_etag(change: Any) -> Any:
    if isinstance(change, dict):
        return {key: value for key, value in change.items() if key != ETAG}
    return change
