"""Bot state documents with e_tags, on SQLite."""

from __future__ import annotations

import time
from typing import Sequence

from state.interfaces import EtagConflict, StateRecord
from state.sqlite.columns import placeholders
from state.sqlite.database import SqliteDatabase


class SqliteBotState:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        self._last_etag = 0

    async def read(self, keys: Sequence[str]) -> dict[str, StateRecord]:
        rows = self._db.fetch_in("SELECT key, etag, value FROM bot_state WHERE key IN ({})", keys)
        return {row["key"]: StateRecord(row["value"], row["etag"]) for row in rows}

    async def write(self, key: str, value: bytes, expected_etag: int | None) -> int:
        # Never reuse an etag, even after a delete: an old holder must not match.
        etag = self._last_etag = max(time.time_ns(), self._last_etag + 1)
        written = self._db.write(
            "INSERT INTO bot_state (key, etag, value) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, value = excluded.value "
            "WHERE ? IS NULL OR bot_state.etag = ? RETURNING etag",
            (key, etag, value, expected_etag, expected_etag),
        )
        if not written:
            raise EtagConflict(f"state {key!r} changed since it was read")
        return etag

    async def delete(self, keys: Sequence[str]) -> None:
        if keys:
            self._db.write(
                f"DELETE FROM bot_state WHERE key IN ({placeholders(len(keys))})", list(keys)
            )
