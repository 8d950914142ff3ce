"""Everything the tables hold about one person, found by their user id on one channel,
for `forget me`: their watches in every conversation, those watches' alerts with their
attempts and their events, and the conversation references that name them (a 1:1's is
deleted; a group's, which names whoever spoke last, loses its `user`). Bot state
documents are the bot's to edit (bots/forgetting.py); `BotState.keys_holding` finds them.
"""

from __future__ import annotations

import json
from typing import Any, Final

from state.interfaces import ForgottenRows
from state.sql.db import Db
from state.sql.query import Query
from state.sql.watches import USER_WRITES

OF_CHANNEL: Final = "substr(conversation_key, 1, length(:prefix)) = :prefix"
"""A conversation of the person's channel (`channel/...`): their id means them there only."""
THEIR_WATCHES: Final = f"user_id = :user AND {OF_CHANNEL}"
COUNT_WATCHES: Final = Query(f"SELECT COUNT(*) FROM watches WHERE {THEIR_WATCHES}")
COUNT_ALERTS: Final = Query(
    f"SELECT COUNT(*) FROM alerts WHERE watch_id IN (SELECT id FROM watches WHERE {THEIR_WATCHES})"
)
DELETE_WATCHES: Final = Query(f"DELETE FROM watches WHERE {THEIR_WATCHES} RETURNING id")
DELETE_ALERTS: Final = Query("DELETE FROM alerts WHERE watch_id IN :ids RETURNING id")
DELETE_ATTEMPTS: Final = Query("DELETE FROM alert_attempts WHERE alert_id IN :ids")
DELETE_EVENTS: Final = Query("DELETE FROM watch_events WHERE watch_id IN :ids")
NAMING: Final = Query(
    "SELECT key, reference FROM conversations WHERE substr(key, 1, length(:prefix)) = :prefix "
    "AND reference LIKE :pattern ESCAPE '\\'"
)
DELETE_REFERENCE: Final = Query("DELETE FROM conversations WHERE key = :key")
REWRITE_REFERENCE: Final = Query("UPDATE conversations SET reference = :reference WHERE key = :key")


class PersonalRows:
    def __init__(self, db: Db) -> None:
        self._db = db
        self._locks_rows = db.dialect.name == "postgres"

    async def count(self, channel_id: str, user_id: str) -> tuple[int, int]:
        """Their watches and those watches' alerts."""
        if not user_id:
            return 0, 0
        values = {"user": user_id, "prefix": f"{channel_id}/"}
        watches = await self._db.fetchval(COUNT_WATCHES, **values)
        alerts = await self._db.fetchval(COUNT_ALERTS, **values)
        return int(watches), int(alerts)

    async def forget(self, channel_id: str, user_id: str) -> ForgottenRows:
        if not user_id:
            return ForgottenRows()
        prefix = f"{channel_id}/"
        async with self._db.transaction() as tx:
            if self._locks_rows:  # a watch writer, as `remove` is (state/sql/watches.py)
                await tx.execute(USER_WRITES)
            watch_ids = [
                row["id"] for row in await tx.fetch(DELETE_WATCHES, user=user_id, prefix=prefix)
            ]
            alert_ids = []
            if watch_ids:
                alert_ids = [row["id"] for row in await tx.fetch(DELETE_ALERTS, ids=watch_ids)]
                await tx.execute(DELETE_EVENTS, ids=watch_ids)
            if alert_ids:
                await tx.execute(DELETE_ATTEMPTS, ids=alert_ids)
            private = await self._forget_references(tx, prefix, user_id)
        return ForgottenRows(len(watch_ids), len(alert_ids), private)

    async def _forget_references(self, tx: Db, prefix: str, user_id: str) -> list[str]:
        """A 1:1's reference that names them goes; a group's forgets who spoke last."""
        pattern = "%" + _like_escaped(json.dumps(user_id)) + "%"
        private = []
        for row in await tx.fetch(NAMING, prefix=prefix, pattern=pattern):
            reference: dict[str, Any] = json.loads(row["reference"])
            if (reference.get("user") or {}).get("id") != user_id:
                continue  # their id in another field, or a LIKE that ignored case
            if (reference.get("conversation") or {}).get("isGroup"):
                reference.pop("user")
                await tx.execute(REWRITE_REFERENCE, key=row["key"], reference=json.dumps(reference))
            else:
                await tx.execute(DELETE_REFERENCE, key=row["key"])
                private.append(row["key"])
        return private


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
