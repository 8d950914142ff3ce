"""The queries written once (state/sql/): how each backend spells the neutral SQL, and
that a query reads and writes the same on both."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

import pytest

from state.interfaces import Store
from state.postgres import PostgresStore
from state.postgres.sql import POSTGRES, PostgresDb
from state.sql.db import Columns, Db
from state.sql.query import Query
from state.sqlite import SqliteStore
from state.sqlite.sql import IN_LIMIT, SQLITE, SqliteDb

pytestmark = pytest.mark.store_variants("sqlite", "postgres")

T0 = datetime(2026, 12, 1, tzinfo=timezone.utc)
SAVE = Query(
    "INSERT INTO conversations (key, reference, updated_at) "
    "SELECT r.key, r.reference, :now FROM ROWS(key text, reference text) AS r WHERE true"
)
KEYS_IN = Query("SELECT count(*) FROM conversations WHERE key IN :keys")
KEYS_NOT_IN = Query("SELECT count(*) FROM conversations WHERE key NOT IN :keys")
ROWS_BACK = Query("SELECT r.key, r.n FROM ROWS(key text, n bigint) AS r ORDER BY r.n")
UNREACHABLE = Query("UPDATE conversations SET reachable = 0 WHERE key IN :keys")


@pytest.mark.parametrize(
    ("neutral", "sqlite", "postgres"),
    [
        (
            "SELECT * FROM t WHERE a = :a AND b = :b OR c = :a",
            "SELECT * FROM t WHERE a = ?1 AND b = ?2 OR c = ?1",
            "SELECT * FROM t WHERE a = $1 AND b = $2 OR c = $1",
        ),
        (  # a colon in a string or a cast is no value
            "SELECT 'a:b', x::text FROM t WHERE k = :k",
            "SELECT 'a:b', x::text FROM t WHERE k = ?1",
            "SELECT 'a:b', x::text FROM t WHERE k = $1",
        ),
        (
            "SELECT * FROM t WHERE k IN :keys AND j NOT IN :others AND a = :a",
            "SELECT * FROM t WHERE k IN (?2, ?3) AND j NOT IN (?4, ?5) AND a = ?1",
            "SELECT * FROM t WHERE k = ANY($2) AND j != ALL($3) AND a = $1",
        ),
        (
            "UPDATE t SET e = greatest(e, :e) WHERE id IN (SELECT id FROM t LIMIT 1 "
            "FOR UPDATE SKIP LOCKED)",
            "UPDATE t SET e = max(e, ?1) WHERE id IN (SELECT id FROM t LIMIT 1)",
            "UPDATE t SET e = greatest(e, $1) WHERE id IN (SELECT id FROM t LIMIT 1 "
            "FOR UPDATE SKIP LOCKED)",
        ),
        (
            "SELECT r.id FROM ROWS(id text, at moment) AS r WHERE r.at > :now",
            "SELECT r.id FROM (SELECT column1 AS id, column2 AS at FROM (VALUES (?2, ?3), "
            "(?4, ?5))) AS r WHERE r.at > ?1",
            "SELECT r.id FROM unnest($2::text[], $3::timestamptz[]) AS r (id, at) WHERE r.at > $1",
        ),
    ],
)
def test_each_backend_spells_the_neutral_sql_its_way(
    neutral: str, sqlite: str, postgres: str
) -> None:
    query = Query(neutral)
    assert query.rendered(SQLITE).text((2, 2)) == sqlite
    assert query.rendered(POSTGRES).fixed == postgres


@pytest.mark.parametrize(
    ("neutral", "sqlite", "postgres"),
    [
        (  # SQLite: the row's values in place, one execution a row
            "UPDATE t SET a = s.a, at = :at FROM ROWS(id bigint, a text) AS s WHERE t.id = s.id",
            "UPDATE t SET a = ?2, at = ?3  WHERE t.id = ?1",
            "UPDATE t SET a = s.a, at = $3 FROM unnest($1::bigint[], $2::text[]) AS s (id, a) "
            "WHERE t.id = s.id",
        ),
        (
            "INSERT INTO t (id, n) SELECT w.id, m.n FROM w, ROWS(p text, n int) AS m "
            "WHERE w.p = m.p ON CONFLICT DO NOTHING",
            # SQLite: as INSERT OR IGNORE, which needs no statement journal
            "INSERT OR IGNORE INTO t (id, n) SELECT w.id, ?2 FROM w  WHERE w.p = ?1",
            "INSERT INTO t (id, n) SELECT w.id, m.n FROM w, unnest($1::text[], $2::int[]) "
            "AS m (p, n) WHERE w.p = m.p ON CONFLICT DO NOTHING",
        ),
        (  # where the rows cannot go, a one-row table of them
            "INSERT INTO t SELECT w.id FROM ROWS(p text) AS m JOIN w ON w.p = m.p WHERE true",
            "INSERT INTO t SELECT w.id FROM (SELECT ?1 AS p) AS m JOIN w ON w.p = m.p WHERE true",
            "INSERT INTO t SELECT w.id FROM unnest($1::text[]) AS m (p) JOIN w ON w.p = m.p "
            "WHERE true",
        ),
    ],
)
def test_a_bulk_write_binds_each_rows_values_first(
    neutral: str, sqlite: str, postgres: str
) -> None:
    query = Query(neutral)
    assert query.rendered(SQLITE, bulk=True).fixed == sqlite
    assert query.rendered(POSTGRES, bulk=True).fixed == postgres


def test_a_malformed_query_fails_where_it_is_written() -> None:
    with pytest.raises(ValueError, match="ROWS"):
        Query("SELECT * FROM ROWS(a) AS r")
    with pytest.raises(ValueError, match="one ROWS"):
        Query("SELECT * FROM ROWS(a text) AS r, ROWS(b text) AS s")


def _db(store: Any) -> Db:
    return (
        PostgresDb(store.database) if isinstance(store, PostgresStore) else SqliteDb(store.database)
    )


async def _save(db: Db, count: int) -> list[str]:
    keys = [f"c-{n:05d}" for n in range(count)]
    assert (
        await db.execute_many(SAVE, [(key, "{}") for key in keys], now=db.dialect.moment(T0))
        == count
    )
    return keys


async def test_lists_of_any_length_read_the_same(store: Store) -> None:
    db = _db(store)
    keys = await _save(db, 1200)
    for length in (0, 1, 3, IN_LIMIT, IN_LIMIT + 1, 1200):
        assert await db.fetchval(KEYS_IN, keys=keys[:length]) == length
        assert await db.fetchval(KEYS_NOT_IN, keys=keys[:length]) == 1200 - length
    assert await db.execute(UNREACHABLE, keys=keys[:7] + ["missing"]) == 7, "the row count"


async def test_rows_in_a_read_come_back_as_given(store: Store) -> None:
    db = _db(store)
    for count in (0, 1, 2, IN_LIMIT):  # past IN_LIMIT values SQLite binds them as JSON
        rows = [(f"k{n}", n if n % 3 else None) for n in range(count)]
        found = [tuple(row) for row in await db.fetch(ROWS_BACK, rows)]
        assert sorted(found, key=str) == sorted(rows, key=str)


async def test_bulk_rows_may_come_a_column_at_a_time(store: Store) -> None:
    db = _db(store)
    rows = Columns(["x", "y"], ['{"n": 1}', '{"n": 2}'])
    assert await db.execute_many(SAVE, rows, now=db.dialect.moment(T0)) == 2
    found = await db.fetch(Query("SELECT key, reference FROM conversations ORDER BY key"))
    assert [tuple(row) for row in found] == list(rows)
    assert await db.execute_many(SAVE, Columns([], []), now=db.dialect.moment(T0)) == 0


async def test_a_bulk_write_is_all_or_none(store: Store) -> None:
    db = _db(store)
    rows: list[tuple[Any, Any]] = [("a", "{}"), ("b", "{}"), ("c", None)]  # reference NOT NULL
    with pytest.raises(Exception, match="(?i)null"):
        await db.execute_many(SAVE, rows, now=db.dialect.moment(T0))
    assert await db.fetchval(KEYS_IN, keys=["a", "b", "c"]) == 0


async def test_a_transaction_that_fails_leaves_nothing(store: Store) -> None:
    db = _db(store)
    with pytest.raises(RuntimeError, match="on purpose"):
        async with db.transaction() as tx:
            await tx.execute_many(SAVE, [("a", "{}")], now=db.dialect.moment(T0))
            raise RuntimeError("on purpose")
    assert await db.fetchval(KEYS_IN, keys=["a"]) == 0
    async with db.transaction() as tx:
        await tx.execute_many(SAVE, [("a", "{}")], now=db.dialect.moment(T0))
    assert await db.fetchval(KEYS_IN, keys=["a"]) == 1


async def test_a_value_missing_or_unknown_is_named(store: Store) -> None:
    db = _db(store)
    with pytest.raises(TypeError, match=r"missing \['keys'\], unknown \['key'\]"):
        await db.fetchval(KEYS_IN, key="a")


@pytest.mark.store_variants("sqlite")
async def test_sqlite_refuses_a_statement_inside_another_tasks_transaction(
    store: SqliteStore,
) -> None:
    db = SqliteDb(store.database)
    inside, release = asyncio.Event(), asyncio.Event()

    async def holds_a_transaction_across_a_suspension() -> None:
        async with db.transaction() as tx:
            await tx.execute_many(SAVE, [("a", "{}")], now=0.0)
            inside.set()
            await release.wait()  # what query code must never do on SQLite

    holder = asyncio.create_task(holds_a_transaction_across_a_suspension())
    await inside.wait()
    with pytest.raises(RuntimeError, match="transaction is open"):
        await db.fetchval(KEYS_IN, keys=["a"])
    release.set()
    await holder
    assert await db.fetchval(KEYS_IN, keys=["a"]) == 1


@pytest.mark.store_variants("sqlite")
async def test_sqlite_sequences_grow_and_are_not_reused_after_a_restart(
    store: SqliteStore,
) -> None:
    next_value = Query("SELECT nextval('s')")
    db = SqliteDb(store.database)
    first = [await db.fetchval(next_value) for _ in range(1000)]
    assert first == sorted(set(first))
    await store.close()
    await store.open()
    assert await SqliteDb(store.database).fetchval(next_value) > first[-1]
