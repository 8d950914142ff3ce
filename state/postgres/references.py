"""Conversation references and whether a conversation can be reached, on PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Sequence

from state.postgres.database import PostgresDatabase


class PostgresReferences:
    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def save(self, conversation_key: str, reference: dict[str, Any], now: datetime) -> None:
        await self._db.pool.execute(
            "INSERT INTO conversations (key, reference, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (key) DO UPDATE SET reference = excluded.reference, "
            "updated_at = excluded.updated_at, reachable = 1, unreachable_since = NULL "
            # Unchanged and reachable: nothing to write.
            "WHERE conversations.reference != excluded.reference OR conversations.reachable = 0",
            conversation_key,
            json.dumps(reference),
            now,
        )

    async def get(self, conversation_key: str) -> dict[str, Any] | None:
        text = await self._db.pool.fetchval(
            "SELECT reference FROM conversations WHERE key = $1", conversation_key
        )
        return None if text is None else json.loads(text)

    async def get_many(self, conversation_keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows = await self._db.pool.fetch(
            "SELECT key, reference FROM conversations WHERE key = ANY($1::text[])",
            list(conversation_keys),
        )
        return {row["key"]: json.loads(row["reference"]) for row in rows}

    async def mark_unreachable(self, conversation_key: str, now: datetime) -> None:
        await self._db.pool.execute(
            "UPDATE conversations SET reachable = 0, "
            "unreachable_since = COALESCE(unreachable_since, $1) WHERE key = $2",
            now,
            conversation_key,
        )

    async def is_reachable(self, conversation_key: str) -> bool:
        reachable = await self._db.pool.fetchval(
            "SELECT reachable FROM conversations WHERE key = $1", conversation_key
        )
        return bool(reachable)
