"""One PostgreSQL database: a connection pool, its migrations.

Every instance of the bot opens one; migrations run under a transaction-scoped advisory
lock, so instances that start at once apply each step exactly once.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Final

import asyncpg

from state.postgres.migrations import MIGRATIONS

logger = logging.getLogger(__name__)

MIGRATION_LOCK: Final = 0x70726963  # any constant the fleet agrees on ("pric")
POOL_SIZE: Final = 10
CONNECT_TIMEOUT_SECONDS: Final = 5.0
STATEMENT_TIMEOUT_SECONDS: Final = 15.0
"""A database that stops answering fails each call within this, instead of hanging it:
the caller's job logs it and runs again at its next tick."""


async def keep_session_as_is(connection: asyncpg.Connection) -> None:
    """What a connection given back to the pool needs beyond asyncpg's own clean-up (which
    rolls back a transaction left open): nothing. asyncpg would otherwise send a reset
    (advisory unlocks, CLOSE ALL, UNLISTEN *, RESET ALL) after every statement taken from
    the pool, a second round trip that cost as much client CPU as the statement itself
    (BENCHMARKS.md). Our statements leave no session state behind: settings are SET
    LOCAL, advisory locks are transaction-scoped, and nothing LISTENs or keeps a cursor.
    The schema's search_path is a connection setting, given when the pool connects."""


class PostgresDatabase:
    def __init__(self, url: str, *, schema: str | None = None, pool_size: int = POOL_SIZE) -> None:
        self._url = url
        self._schema = schema
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        settings = {"search_path": self._schema} if self._schema else {}
        self._pool = await asyncpg.create_pool(
            self._url,
            min_size=1,
            max_size=self._pool_size,
            server_settings=settings,
            timeout=CONNECT_TIMEOUT_SECONDS,
            command_timeout=STATEMENT_TIMEOUT_SECONDS,
            reset=keep_session_as_is,
        )
        await self._migrate()
        logger.info(
            "store open on PostgreSQL%s", f" (schema {self._schema})" if self._schema else ""
        )

    async def _migrate(self) -> None:
        async with self.transaction() as db:
            await db.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            applied = await db.fetchval("SELECT max(version) FROM schema_version") or 0
            for version, step in enumerate(MIGRATIONS[applied:], start=applied + 1):
                await db.execute(step)
                await db.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
                logger.info("store schema migrated to version %d", version)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def ping(self) -> None:
        await self.pool.fetchval("SELECT 1")

    async def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL checkpoints on its own, off our loop."""

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the store is not open")
        return self._pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        async with self.pool.acquire() as connection, connection.transaction():
            yield connection
