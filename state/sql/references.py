"""Conversation references and whether a conversation can be reached, on any backend."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final, Sequence

from state.sql.db import Db
from state.sql.query import Query

SAVE: Final = Query(
    # Every turn saves its reference, and it is nearly always the one stored. Then the
    # statement only reads: an upsert's DO UPDATE locks the row it meets even when its
    # WHERE declines the update, and on PostgreSQL that lock is a log record and a
    # commit that waits for the disk, on every turn.
    "INSERT INTO conversations (key, reference, updated_at) SELECT :key, :reference, :now "
    "WHERE NOT EXISTS (SELECT 1 FROM conversations "
    "WHERE key = :key AND reference = :reference AND reachable = 1) "
    "ON CONFLICT (key) DO UPDATE SET reference = excluded.reference, "
    "updated_at = excluded.updated_at, reachable = 1, unreachable_since = NULL "
    "WHERE conversations.reference != excluded.reference OR conversations.reachable = 0"
)
REFERENCE: Final = Query("SELECT reference FROM conversations WHERE key = :key")
REFERENCES: Final = Query("SELECT key, reference FROM conversations WHERE key IN :keys")
MARK_UNREACHABLE: Final = Query(
    "UPDATE conversations SET reachable = 0, "
    "unreachable_since = COALESCE(unreachable_since, :now) WHERE key = :key"
)
REACHABLE: Final = Query("SELECT reachable FROM conversations WHERE key = :key")


class References:
    def __init__(self, db: Db) -> None:
        self._db = db
        self._moment = db.dialect.moment

    async def save(self, conversation_key: str, reference: dict[str, Any], now: datetime) -> None:
        await self._db.execute(
            SAVE, key=conversation_key, reference=json.dumps(reference), now=self._moment(now)
        )

    async def get(self, conversation_key: str) -> dict[str, Any] | None:
        text = await self._db.fetchval(REFERENCE, key=conversation_key)
        return None if text is None else json.loads(text)

    async def get_many(self, conversation_keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows = await self._db.fetch(REFERENCES, keys=conversation_keys)
        return {row["key"]: json.loads(row["reference"]) for row in rows}

    async def mark_unreachable(self, conversation_key: str, now: datetime) -> None:
        await self._db.execute(MARK_UNREACHABLE, key=conversation_key, now=self._moment(now))

    async def is_reachable(self, conversation_key: str) -> bool:
        return bool(await self._db.fetchval(REACHABLE, key=conversation_key))
