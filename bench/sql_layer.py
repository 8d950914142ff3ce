"""Queries written once: over SQLAlchemy Core 2.x, or over our own layer (state/sql/)?

    python -m bench.sql_layer [--operations N]

On each backend, what a chat turn does (read a bot state document, write it back with
its e_tag), a keyed read (a conversation reference) and a bulk insert of 100 rows (in a
transaction, as a poll writes), one coroutine at a time and 16 at once, by:

- `raw`: the driver as the store used it before state/sql/ (sqlite3 on the loop's
  thread; an asyncpg pool);
- `state/sql`: the store's own code (state/sql/ over SqliteDb or PostgresDb);
- `SQLAlchemy`: Core 2.x (Table, insert().on_conflict_do_update, expanding IN), single
  statements in AUTOCOMMIT, the bulk insert in `engine.begin()`. On SQLite its sync
  engine on the loop's thread (keeping the store's design) and its async engine
  (aiosqlite, a thread per connection); on PostgreSQL its async engine on asyncpg.

Reported: the client's CPU per operation (this process's, threads included; the
database server's is the same for all), and operations per second.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable

import asyncpg

from bench.pg_drivers import URL, _measure
from state.interfaces import EtagConflict
from state.postgres import PostgresStore
from state.postgres.sql import PostgresDb
from state.sql.bot_state import BotState
from state.sql.db import Db
from state.sql.query import Query
from state.sql.references import References
from state.sqlite import SqliteStore
from state.sqlite.sql import SqliteDb

OPERATIONS = 1000
ROUNDS = 5
CONCURRENCY = 16
KEYS = 50
BULK_ROWS = 100
DOCUMENT = bytes(range(256)) * 8
REFERENCE = {"conversation": {"id": "c"}, "serviceUrl": "http://127.0.0.1:9", "channelId": "x"}
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
OPS = ("chat turn", "reference read", f"bulk insert of {BULK_ROWS}")
INSERT_ROWS = Query(
    "INSERT INTO price_history (product_id, at, price) "
    "SELECT r.id, r.at, r.price FROM ROWS(id text, at moment, price text) AS r WHERE true"
)

Op = Callable[[int], Awaitable[Any]]
_RUNS = itertools.count()


@dataclass(frozen=True)
class LayerResult:
    backend: str
    layer: str
    per_second: dict[str, float]
    cpu_us_per_op: dict[str, float]


def _key(n: int) -> str:
    return f"conv-{n % KEYS}"


def _bulk(n: int) -> list[tuple[str, datetime, str]]:
    return [(f"p-{n}-{i}", START + timedelta(seconds=i), "12.5") for i in range(BULK_ROWS)]


async def _compare(
    backend: str, layers: dict[str, dict[str, Op]], operations: int, rounds: int
) -> list[LayerResult]:
    """Each operation by each layer in turn, `rounds` times over, a different layer first
    each round; the medians. So all see the same machine (a shared one, whose speed
    drifts) and none is always the one after another."""
    rates: dict[str, dict[str, list[float]]] = {layer: {} for layer in layers}
    cpus: dict[str, dict[str, list[float]]] = {layer: {} for layer in layers}
    for name in OPS:
        for concurrency in (1, CONCURRENCY):
            for round_ in range(rounds):
                names = list(layers)
                turn = round_ % len(names)  # each layer first in its turn
                for layer in names[turn:] + names[:turn]:
                    ops = layers[layer]
                    # Each run its own operation numbers: bulk rows are new ones every time.
                    base = next(_RUNS) * (operations + 200)
                    op = ops[name]
                    rate, cpu = await _measure(lambda n: op(base + n), concurrency, operations)
                    label = f"{name} x{concurrency}"
                    rates[layer].setdefault(label, []).append(rate)
                    cpus[layer].setdefault(label, []).append(cpu)
    return [
        LayerResult(
            backend,
            layer,
            {label: statistics.median(v) for label, v in rates[layer].items()},
            {label: statistics.median(v) for label, v in cpus[layer].items()},
        )
        for layer in layers
    ]


def _ours(db: Db) -> dict[str, Op]:
    state, references = BotState(db), References(db)

    async def turn(n: int) -> None:
        record = (await state.read([_key(n)]))[_key(n)]
        try:
            await state.write(_key(n), DOCUMENT, record.etag)
        except EtagConflict:
            pass  # another of the 16 wrote it meanwhile: a turn's lost race, not an error

    async def bulk(n: int) -> None:
        moment = db.dialect.moment
        async with db.transaction() as tx:
            await tx.execute_many(INSERT_ROWS, [(p, moment(at), v) for p, at, v in _bulk(n)])

    return dict(zip(OPS, (turn, lambda n: references.get(_key(n)), bulk)))


def _raw_sqlite(store: SqliteStore) -> dict[str, Op]:
    """The store's SQLite code before state/sql/ (bot state, references)."""
    database = store.database
    last = [0]

    async def turn(n: int) -> None:
        read = "SELECT key, etag, value FROM bot_state WHERE key IN ({})"
        rows = database.fetch_in(read, [_key(n)])
        etag = last[0] = max(time.time_ns(), last[0] + 1)
        written = database.write(
            "INSERT INTO bot_state (key, etag, value) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, value = excluded.value "
            "WHERE ? IS NULL OR bot_state.etag = ? RETURNING etag",
            (_key(n), etag, DOCUMENT, rows[0]["etag"], rows[0]["etag"]),
        )
        assert written

    async def reference(n: int) -> Any:
        rows = database.fetchall("SELECT reference FROM conversations WHERE key = ?", (_key(n),))
        return json.loads(rows[0]["reference"]) if rows else None

    async def bulk(n: int) -> None:
        with database.transaction() as db:
            db.executemany(
                "INSERT INTO price_history (product_id, at, price) VALUES (?, ?, ?)",
                [(p, at.timestamp(), v) for p, at, v in _bulk(n)],
            )

    return dict(zip(OPS, (turn, reference, bulk)))


def _raw_postgres(pool: asyncpg.Pool) -> dict[str, Op]:
    """The store's PostgreSQL code before state/sql/ (bot state, references, unnest)."""

    async def turn(n: int) -> None:
        rows = await pool.fetch(
            "SELECT key, etag, value FROM bot_state WHERE key = ANY($1::text[])", [_key(n)]
        )
        await pool.fetchval(
            "INSERT INTO bot_state (key, etag, value) VALUES ($1, nextval('bot_state_etags'), $2) "
            "ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, value = excluded.value "
            "WHERE $3::bigint IS NULL OR bot_state.etag = $3 RETURNING etag",
            _key(n),
            DOCUMENT,
            rows[0]["etag"],
        )

    async def reference(n: int) -> Any:
        text = await pool.fetchval("SELECT reference FROM conversations WHERE key = $1", _key(n))
        return None if text is None else json.loads(text)

    async def bulk(n: int) -> None:
        rows = _bulk(n)
        async with pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "INSERT INTO price_history (product_id, at, price) "
                "SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[])",
                *(list(column) for column in zip(*rows)),
            )

    return dict(zip(OPS, (turn, reference, bulk)))


class _Alchemy:
    """The same three operations in SQLAlchemy Core, as its users write them: tables,
    the dialect's own insert for the upsert (as APScheduler 4's store branches)."""

    def __init__(self, backend: str) -> None:
        from sqlalchemy import (
            BigInteger,
            Column,
            DateTime,
            Float,
            LargeBinary,
            MetaData,
            Table,
            Text,
            bindparam,
            func,
            insert,
            or_,
            select,
        )

        if backend == "postgres":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        moment = DateTime(timezone=True) if backend == "postgres" else Float()
        meta = MetaData()
        bot_state = Table(
            "bot_state",
            meta,
            Column("key", Text, primary_key=True),
            Column("etag", BigInteger),
            Column("value", LargeBinary),
        )
        conversations = Table(
            "conversations", meta, Column("key", Text, primary_key=True), Column("reference", Text)
        )
        self.history = Table(
            "price_history",
            meta,
            Column("product_id", Text, primary_key=True),
            Column("at", moment, primary_key=True),
            Column("price", Text),
        )
        self.read = select(bot_state.c.key, bot_state.c.etag, bot_state.c.value).where(
            bot_state.c.key.in_(bindparam("keys", expanding=True))
        )
        etag = func.nextval("bot_state_etags") if backend == "postgres" else bindparam("etag")
        values = upsert(bot_state).values(key=bindparam("key"), etag=etag, value=bindparam("value"))
        self.write = values.on_conflict_do_update(
            index_elements=[bot_state.c.key],
            set_={"etag": values.excluded.etag, "value": values.excluded.value},
            where=or_(
                bindparam("expected", type_=BigInteger).is_(None),
                bot_state.c.etag == bindparam("expected", type_=BigInteger),
            ),
        ).returning(bot_state.c.etag)
        self.reference = select(conversations.c.reference).where(
            conversations.c.key == bindparam("key")
        )
        self.insert = insert(self.history)
        self.backend = backend
        self._last = 0

    def write_values(self, n: int, expected: int) -> dict[str, Any]:
        values = {"key": _key(n), "value": DOCUMENT, "expected": expected}
        if self.backend != "postgres":
            values["etag"] = self._last = max(time.time_ns(), self._last + 1)
        return values

    def bulk_rows(self, n: int) -> list[dict[str, Any]]:
        if self.backend == "postgres":
            return [{"product_id": p, "at": at, "price": v} for p, at, v in _bulk(n)]
        return [{"product_id": p, "at": at.timestamp(), "price": v} for p, at, v in _bulk(n)]


def _synchronous_normal(connection: Any, _: Any) -> None:
    """As the store's own connection (state/sqlite/database.py): no fsync per commit."""
    connection.execute("PRAGMA synchronous=NORMAL")


def _alchemy_sync(path: Path) -> tuple[dict[str, Op], Callable[[], None]]:
    """SQLAlchemy's sync engine over pysqlite, called on the loop's thread."""
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _synchronous_normal)
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    q = _Alchemy("sqlite")

    async def turn(n: int) -> None:
        with autocommit.connect() as c:
            [row] = c.execute(q.read, {"keys": [_key(n)]}).all()
        with autocommit.connect() as c:
            c.execute(q.write, q.write_values(n, row.etag)).scalar()

    async def reference(n: int) -> Any:
        with autocommit.connect() as c:
            text = c.execute(q.reference, {"key": _key(n)}).scalar()
        return None if text is None else json.loads(text)

    async def bulk(n: int) -> None:
        with engine.begin() as c:
            c.execute(q.insert, q.bulk_rows(n))

    return dict(zip(OPS, (turn, reference, bulk))), engine.dispose


def _alchemy_async(url: str, **engine_options: Any) -> tuple[dict[str, Op], Any]:
    from sqlalchemy import event
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, **engine_options)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _synchronous_normal)
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    q = _Alchemy("postgres" if url.startswith("postgresql") else "sqlite")

    async def turn(n: int) -> None:
        async with autocommit.connect() as c:
            [row] = (await c.execute(q.read, {"keys": [_key(n)]})).all()
        async with autocommit.connect() as c:
            try:
                (await c.execute(q.write, q.write_values(n, row.etag))).scalar_one()
            except Exception as error:  # no row: another of the 16 wrote it meanwhile
                if "No row" not in str(error):
                    raise

    async def reference(n: int) -> Any:
        async with autocommit.connect() as c:
            text = (await c.execute(q.reference, {"key": _key(n)})).scalar()
        return None if text is None else json.loads(text)

    async def bulk(n: int) -> None:
        async with engine.begin() as c:
            await c.execute(q.insert, q.bulk_rows(n))

    return dict(zip(OPS, (turn, reference, bulk))), engine.dispose


async def _seed(db: Db) -> None:
    state, references = BotState(db), References(db)
    for n in range(KEYS):
        await state.write(_key(n), DOCUMENT, None)
        await references.save(_key(n), REFERENCE, START)


def alchemy_missing() -> str | None:
    """Why the SQLAlchemy rows cannot run here, or None."""
    try:
        import aiosqlite  # noqa: F401
        import greenlet  # noqa: F401
        import sqlalchemy
    except ImportError as error:
        return f"{error.name} is not installed (requirements-dev.txt pins it)"
    if not sqlalchemy.__version__.startswith("2."):
        return f"SQLAlchemy {sqlalchemy.__version__} is not 2.x"
    return None


async def run_sqlite(
    work_dir: Path, operations: int = OPERATIONS, rounds: int = ROUNDS
) -> list[LayerResult]:
    store = SqliteStore(work_dir / f"sql-layer-{uuid.uuid4().hex[:8]}.sqlite3")
    await store.open()
    disposers: list[Callable[[], Any]] = []
    try:
        db = SqliteDb(store.database)
        await _seed(db)
        layers = {"raw sqlite3": _raw_sqlite(store), "state/sql": _ours(db)}
        if alchemy_missing() is None:
            layers["SQLAlchemy sync"], dispose = _alchemy_sync(store.path)
            layers["SQLAlchemy aiosqlite"], adispose = _alchemy_async(
                f"sqlite+aiosqlite:///{store.path}"
            )
            disposers += [dispose, adispose]
        return await _compare("SQLite", layers, operations, rounds)
    finally:
        for dispose in disposers:
            if asyncio.iscoroutine(done := dispose()):
                await done
        await store.close()


async def run_postgres(operations: int = OPERATIONS, rounds: int = ROUNDS) -> list[LayerResult]:
    schema = f"pricewatch_sql_layer_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(URL)
    await admin.execute(f"CREATE SCHEMA {schema}")
    store = PostgresStore(URL, schema=schema)
    disposers: list[Callable[[], Any]] = []
    try:
        await store.open()
        db = PostgresDb(store.database)
        await _seed(db)
        layers = {"raw asyncpg": _raw_postgres(store.database.pool), "state/sql": _ours(db)}
        if alchemy_missing() is None:
            layers["SQLAlchemy asyncpg"], dispose = _alchemy_async(
                URL.replace("postgresql://", "postgresql+asyncpg://", 1),
                pool_size=CONCURRENCY,
                max_overflow=0,
                connect_args={"server_settings": {"search_path": schema}},
            )
            disposers.append(dispose)
        return await _compare("PostgreSQL", layers, operations, rounds)
    finally:
        for dispose in disposers:
            await dispose()
        await store.close()
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


async def run(
    work_dir: Path, operations: int = OPERATIONS, rounds: int = ROUNDS
) -> list[LayerResult]:
    return [
        *await run_sqlite(work_dir, operations, rounds),
        *await run_postgres(operations, rounds),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--operations", type=int, default=OPERATIONS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    if (missing := alchemy_missing()) is not None:
        print(f"SQLAlchemy rows left out: {missing}")
    with tempfile.TemporaryDirectory(prefix="pricewatch-sql-layer-") as work:
        results = asyncio.run(run(Path(work), args.operations, args.rounds))
    for result in results:
        for name, rate in result.per_second.items():
            print(
                f"{result.backend:10} {result.layer:20} {name:22} {rate:8.0f}/s"
                f"  {result.cpu_us_per_op[name]:7.0f} us CPU per operation"
            )


if __name__ == "__main__":
    main()
