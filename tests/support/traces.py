"""Every row of every table of a store's real database that names someone: for `forget
me`, whose promise is that no row anywhere holds the person's id or name afterwards."""

from __future__ import annotations

import sqlite3
from typing import Any, Sequence

import asyncpg

from tests.support.stores import POSTGRES_URL, PausingStore, PostgresTestStore


def _holds(value: Any, needles: Sequence[str]) -> bool:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return any(needle.encode() in value for needle in needles)
    return any(needle in str(value) for needle in needles)


async def rows_naming(store: Any, *needles: str) -> list[tuple[str, dict[str, Any]]]:
    """(table, row) for every row in which a needle appears in any column, as text or
    as bytes (a pickled state document holds a string as its UTF-8 bytes): every table
    of the SQLite file, or of the store's PostgreSQL schema."""
    if isinstance(store, PostgresTestStore):
        return await _postgres_rows(store.schema, needles)
    path = store.inner.path if isinstance(store, PausingStore) else store.path
    found = []
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        assert "watches" in tables and "bot_state" in tables
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                if any(_holds(value, needles) for value in tuple(row)):
                    found.append((table, dict(row)))
    return found


async def _postgres_rows(schema: str, needles: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        tables = [
            row["table_name"]
            for row in await connection.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
                schema,
            )
        ]
        assert "watches" in tables and "bot_state" in tables
        found = []
        for table in tables:
            for row in await connection.fetch(f'SELECT * FROM "{schema}"."{table}"'):
                if any(_holds(value, needles) for value in row.values()):
                    found.append((table, dict(row)))
        return found
    finally:
        await connection.close()
