"""Bot state documents with e_tags, on PostgreSQL: a write that expects an e_tag wins only
if the row still has it, however many instances write at once."""

from __future__ import annotations

from typing import Sequence

from state.interfaces import EtagConflict, StateRecord
from state.postgres.database import PostgresDatabase


class PostgresBotState:
    def __init__(self, database: PostgresDatabase) -> None:
        self._db = database

    async def read(self, keys: Sequence[str]) -> dict[str, StateRecord]:
        rows = await self._db.pool.fetch(
            "SELECT key, etag, value FROM bot_state WHERE key = ANY($1::text[])", list(keys)
        )
        return {row["key"]: StateRecord(bytes(row["value"]), row["etag"]) for row in rows}

    async def write(self, key: str, value: bytes, expected_etag: int | None) -> int:
        etag = await self._db.pool.fetchval(
            "INSERT INTO bot_state (key, etag, value) VALUES ($1, nextval('bot_state_etags'), $2) "
            "ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, value = excluded.value "
            "WHERE $3::bigint IS NULL OR bot_state.etag = $3 RETURNING etag",
            key,
            value,
            expected_etag,
        )
        if etag is None:
            raise EtagConflict(f"state {key!r} changed since it was read")
        return int(etag)

    async def delete(self, keys: Sequence[str]) -> None:
        if keys:
            await self._db.pool.execute(
                "DELETE FROM bot_state WHERE key = ANY($1::text[])", list(keys)
            )
