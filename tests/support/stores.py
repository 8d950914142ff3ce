"""Stores for tests: SQLite, SQLite wrapped to yield to the loop at every call, PostgreSQL.

Correctness must not rest on a store call never suspending (SQLite on the loop's thread
never does; a network database always does). The wrappers make every call a point
where other coroutines run: `yielding` gives the loop up before and after each call,
`jittery` sleeps up to 2 ms there instead, in a seeded random order.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import random
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Final
from urllib.parse import urlsplit

import asyncpg

from state.postgres import PostgresStore
from state.sqlite import SqliteStore

Pause = Callable[[], Awaitable[None]]

KINDS: Final = ("sqlite", "sqlite-yielding", "sqlite-jittery", "postgres")
"""Every store a suite marked `store_variants` runs over."""
POSTGRES_URL: Final = os.environ.get(
    "PRICEWATCH_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
"""The PostgreSQL the tests use; each test gets a schema of its own there, dropped after."""


class _Pausing:
    """One aggregate whose coroutine methods pause before and after they run."""

    def __init__(self, inner: object, pause: Pause) -> None:
        self._inner = inner
        self._pause = pause

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        async def paused(*args: Any, **kwargs: Any) -> Any:
            await self._pause()
            try:
                return await attribute(*args, **kwargs)
            finally:
                await self._pause()

        return paused


class PausingStore:
    """A SqliteStore whose every call is a suspension point."""

    def __init__(self, inner: SqliteStore, pause: Pause) -> None:
        self.inner = inner
        self.references = _Pausing(inner.references, pause)
        self.watches = _Pausing(inner.watches, pause)
        self.outbox = _Pausing(inner.outbox, pause)
        self.bot_state = _Pausing(inner.bot_state, pause)
        self.history = _Pausing(inner.history, pause)
        self.charts = _Pausing(inner.charts, pause)
        self.events = _Pausing(inner.events, pause)
        self.pages = _Pausing(inner.pages, pause)
        self.personal = _Pausing(inner.personal, pause)
        self.locks = inner.locks
        self.jobs = _Pausing(inner.jobs, pause)
        self._database = _Pausing(inner, pause)

    @property
    def path(self) -> Path:
        return self.inner.path

    async def open(self) -> None:
        await self._database.open()

    async def close(self) -> None:
        await self._database.close()

    async def checkpoint(self) -> None:
        await self._database.checkpoint()

    async def ping(self) -> None:
        await self._database.ping()


class PostgresTestStore(PostgresStore):
    """A PostgresStore in a schema of its own, created on open and dropped on close."""

    def __init__(self, url: str) -> None:
        self.schema = f"pricewatch_test_{uuid.uuid4().hex[:12]}"
        self._url = url
        super().__init__(url, schema=self.schema)

    async def open(self) -> None:
        connection = await asyncpg.connect(self._url)
        try:
            await connection.execute(f"CREATE SCHEMA {self.schema}")
        finally:
            await connection.close()
        await super().open()

    async def close(self) -> None:
        await super().close()
        connection = await asyncpg.connect(self._url)
        try:
            await connection.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        finally:
            await connection.close()


async def postgres_unavailable(url: str = POSTGRES_URL) -> str | None:
    """Why the tests' PostgreSQL cannot be used, or None when it can."""
    try:
        connection = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return f"PostgreSQL at {url} is not reachable ({type(error).__name__}: {error})"
    await connection.close()
    return None


@asynccontextmanager
async def fresh_database(prefix: str, url: str = POSTGRES_URL) -> AsyncIterator[str]:
    """A database of its own (`prefix`_<random>) on the tests' PostgreSQL server, for
    processes that each open their own store on it; yields its URL. Dropped after, its
    connections (a killed process's too) terminated first."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        try:
            yield urlsplit(url)._replace(path=f"/{name}").geturl()
        finally:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid != pg_backend_pid()",
                name,
            )
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


def make_store(kind: str, path: Path) -> Any:
    """An unopened store of this kind (on this file, for SQLite)."""
    if kind == "postgres":
        return PostgresTestStore(POSTGRES_URL)
    sqlite = SqliteStore(path)
    if kind == "sqlite":
        return sqlite
    if kind == "sqlite-yielding":
        return PausingStore(sqlite, lambda: asyncio.sleep(0))
    if kind == "sqlite-jittery":
        rng = random.Random(path.name)
        return PausingStore(sqlite, lambda: asyncio.sleep(rng.random() * 0.002))
    raise ValueError(f"unknown store kind {kind!r}")


@asynccontextmanager
async def second_instance(store: Any) -> AsyncIterator[PostgresStore]:
    """Another instance's store on the same PostgreSQL schema as `store` (opened, closed
    after; the schema stays `store`'s to drop)."""
    if not isinstance(store, PostgresTestStore):
        raise TypeError("a second instance needs a PostgreSQL store")
    other = PostgresStore(POSTGRES_URL, schema=store.schema)
    await other.open()
    try:
        yield other
    finally:
        await other.close()


async def run_out_job_leases(store: Any) -> None:
    """Every job lease of this PostgreSQL store runs out now, as if its holders had stopped
    renewing a lease ago (their instance stalled, or died)."""
    await store.database.pool.execute("UPDATE job_leases SET until = now() - interval '1 second'")
