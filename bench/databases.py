"""Scratch PostgreSQL databases for the benchmarks, created and dropped around a run."""

from __future__ import annotations

import os
import uuid
from contextlib import asynccontextmanager
from typing import AsyncIterator, Final
from urllib.parse import urlsplit, urlunsplit

import asyncpg

POSTGRES_URL: Final = os.environ.get(
    "PRICEWATCH_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
"""The server the PostgreSQL rows run against (any database on it; scratch ones are made)."""


@asynccontextmanager
async def scratch_database(purpose: str) -> AsyncIterator[str]:
    """A new, empty database on the benchmark server; yields its URL, drops it after."""
    name = f"pricewatch_bench_{purpose}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        try:
            yield urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))
        finally:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
            await admin.execute(f"DROP DATABASE IF EXISTS {name}")
    finally:
        await admin.close()
