"""Conversation references and whether a conversation can be reached, on SQLite."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Sequence

from state.sqlite.columns import ts
from state.sqlite.database import SqliteDatabase


class SqliteReferences:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def save(self, conversation_key: str, reference: dict[str, Any], now: datetime) -> None:
        self._db.write(
            "INSERT INTO conversations (key, reference, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET reference = excluded.reference, "
            "updated_at = excluded.updated_at, reachable = 1, unreachable_since = NULL "
            # Unchanged and reachable: nothing to write, so no page is dirtied.
            "WHERE conversations.reference != excluded.reference OR conversations.reachable = 0",
            (conversation_key, json.dumps(reference), ts(now)),
        )

    async def get(self, conversation_key: str) -> dict[str, Any] | None:
        rows = self._db.fetchall(
            "SELECT reference FROM conversations WHERE key = ?", (conversation_key,)
        )
        return json.loads(rows[0]["reference"]) if rows else None

    async def get_many(self, conversation_keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows = self._db.fetch_in(
            "SELECT key, reference FROM conversations WHERE key IN ({})", conversation_keys
        )
        return {row["key"]: json.loads(row["reference"]) for row in rows}

    async def mark_unreachable(self, conversation_key: str, now: datetime) -> None:
        self._db.write(
            "UPDATE conversations SET reachable = 0, "
            "unreachable_since = COALESCE(unreachable_since, ?) WHERE key = ?",
            (ts(now), conversation_key),
        )

    async def is_reachable(self, conversation_key: str) -> bool:
        rows = self._db.fetchall(
            "SELECT reachable FROM conversations WHERE key = ?", (conversation_key,)
        )
        return bool(rows and rows[0]["reachable"])
