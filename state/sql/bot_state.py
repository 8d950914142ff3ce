"""Bot state documents with e_tags, on any backend: a write that expects an e_tag wins
only if the row still has it, however many instances write at once."""

from __future__ import annotations

from typing import Final, Sequence

from state.interfaces import EtagConflict, StateRecord
from state.sql.db import Db
from state.sql.query import Query

READ: Final = Query("SELECT key, etag, value FROM bot_state WHERE key IN :keys")
WRITE: Final = Query(
    # Never reuse an etag, even after a delete: an old holder must not match.
    "INSERT INTO bot_state (key, etag, value) VALUES (:key, nextval('bot_state_etags'), :value) "
    "ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, value = excluded.value "
    "WHERE CAST(:expected AS BIGINT) IS NULL OR bot_state.etag = :expected RETURNING etag"
)
DELETE: Final = Query("DELETE FROM bot_state WHERE key IN :keys")
HOLDING: Final = Query(
    # instr over bytes: SQLite's own, PostgreSQL's from its migrations (version 8).
    "SELECT key FROM bot_state WHERE substr(key, 1, length(:prefix)) = :prefix "
    "AND instr(value, :needle) > 0 ORDER BY key"
)


class BotState:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def read(self, keys: Sequence[str]) -> dict[str, StateRecord]:
        rows = await self._db.fetch(READ, keys=keys)
        return {row["key"]: StateRecord(bytes(row["value"]), row["etag"]) for row in rows}

    async def write(self, key: str, value: bytes, expected_etag: int | None) -> int:
        etag = await self._db.fetchval(WRITE, key=key, value=value, expected=expected_etag)
        if etag is None:
            raise EtagConflict(f"state {key!r} changed since it was read")
        return int(etag)

    async def keys_holding(self, prefix: str, needle: bytes) -> list[str]:
        return [row["key"] for row in await self._db.fetch(HOLDING, prefix=prefix, needle=needle)]

    async def delete(self, keys: Sequence[str]) -> None:
        if keys:
            await self._db.execute(DELETE, keys=keys)
