"""Which async PostgreSQL driver: asyncpg or psycopg 3, on the statements the store runs.

    python -m bench.pg_drivers

Each driver runs, on its own schema of the machine's PostgreSQL, what a chat turn and a
delivery do most (a keyed read, an upsert with an e_tag check) and what a poll does (a
batch update over arrays), one coroutine at a time and 16 at once. Reported: operations
per second and the client's CPU per operation (our process's; the server's is the same).
"""

from __future__ import annotations

import asyncio
import os
import resource
import time
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import asyncpg
from psycopg_pool import AsyncConnectionPool

from state.postgres.database import keep_session_as_is

URL = os.environ.get("PRICEWATCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
OPERATIONS = 2000
CONCURRENCY = 16
SCHEMA_SQL = (
    "CREATE TABLE bot_state (key TEXT PRIMARY KEY, etag BIGINT NOT NULL, value BYTEA NOT NULL);"
    "CREATE SEQUENCE etags;"
    "CREATE TABLE watches (id BIGINT PRIMARY KEY, armed INTEGER NOT NULL, last_price TEXT);"
    "INSERT INTO watches SELECT n, 1, '10' FROM generate_series(1, 300000) AS n;"
)
READ = "SELECT etag, value FROM bot_state WHERE key = {0}"
UPSERT = (
    "INSERT INTO bot_state (key, etag, value) VALUES ({0}, nextval('etags'), {1}) "
    "ON CONFLICT (key) DO UPDATE SET etag = excluded.etag, value = excluded.value RETURNING etag"
)
BATCH = (
    "UPDATE watches SET armed = s.armed, last_price = s.price "
    "FROM unnest({0}::bigint[], {1}::int[], {2}::text[]) AS s (id, armed, price) "
    "WHERE watches.id = s.id"
)
DOCUMENT = os.urandom(2000)


def _ids(n: int) -> list[int]:
    """Operation n's own 100 rows: concurrent batches never wait for each other's locks."""
    return list(range(n * 100 + 1, n * 100 + 101))


@dataclass(frozen=True)
class DriverResult:
    driver: str
    per_second: dict[str, float]
    cpu_us_per_op: dict[str, float]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _measure(
    op: Callable[[int], Awaitable[Any]], concurrency: int, operations: int
) -> tuple[float, float]:
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with gate:
            await op(n)

    await asyncio.gather(*(one(operations + n) for n in range(100)))  # warm up
    cpu, start = _cpu(), time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(operations)))
    wall, used = time.perf_counter() - start, _cpu() - cpu
    return operations / wall, used / operations * 1e6


async def _run(
    driver: str, ops: dict[str, Callable[[int], Awaitable[Any]]], operations: int
) -> DriverResult:
    rates, cpus = {}, {}
    for name, op in ops.items():
        for concurrency in (1, CONCURRENCY):
            rate, cpu = await _measure(op, concurrency, operations)
            rates[f"{name} x{concurrency}"], cpus[f"{name} x{concurrency}"] = rate, cpu
    return DriverResult(driver, rates, cpus)


async def _asyncpg(schema: str, operations: int) -> DriverResult:
    pool = await asyncpg.create_pool(
        URL,
        min_size=4,
        max_size=CONCURRENCY,
        server_settings={"search_path": schema},
        reset=keep_session_as_is,  # as the store's pool: no reset query after each use
    )
    try:
        await pool.execute(SCHEMA_SQL)
        ops = {
            "read": lambda n: pool.fetchrow(READ.format("$1"), f"k{n % 50}"),
            "upsert": lambda n: pool.fetchval(UPSERT.format("$1", "$2"), f"k{n % 50}", DOCUMENT),
            "batch of 100": lambda n: pool.execute(
                BATCH.format("$1", "$2", "$3"), _ids(n), [n % 2] * 100, [str(n)] * 100
            ),
        }
        return await _run("asyncpg", ops, operations)
    finally:
        await pool.close()


async def _psycopg(schema: str, operations: int) -> DriverResult:
    pool = AsyncConnectionPool(
        URL,
        min_size=4,
        max_size=CONCURRENCY,
        kwargs={"options": f"-c search_path={schema}"},
        open=False,
    )
    await pool.open()

    def run(sql: str, *args: Any) -> Callable[[], Awaitable[Any]]:
        async def go() -> Any:
            async with pool.connection() as connection:
                cursor = await connection.execute(sql, args)
                return await cursor.fetchall() if cursor.description else None

        return go

    try:
        async with pool.connection() as connection:
            await connection.execute(SCHEMA_SQL)
        ops = {
            "read": lambda n: run(READ.format("%s"), f"k{n % 50}")(),
            "upsert": lambda n: run(UPSERT.format("%s", "%s"), f"k{n % 50}", DOCUMENT)(),
            "batch of 100": lambda n: run(
                BATCH.format("%s", "%s", "%s"), _ids(n), [n % 2] * 100, [str(n)] * 100
            )(),
        }
        return await _run("psycopg 3", ops, operations)
    finally:
        await pool.close()


async def run(operations: int = OPERATIONS) -> list[DriverResult]:
    results = []
    for measure in (_asyncpg, _psycopg):
        schema = f"pricewatch_drivers_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(URL)
        await admin.execute(f"CREATE SCHEMA {schema}")
        try:
            results.append(await measure(schema, operations))
        finally:
            await admin.execute(f"DROP SCHEMA {schema} CASCADE")
            await admin.close()
    return results


def main() -> None:
    for result in asyncio.run(run()):
        for name, rate in result.per_second.items():
            print(
                f"{result.driver:10} {name:18} {rate:8.0f}/s"
                f"  {result.cpu_us_per_op[name]:6.0f} us CPU per operation"
            )


if __name__ == "__main__":
    main()
