"""The Store on PostgreSQL: its aggregates over one database, shared by the fleet."""

from __future__ import annotations

from state.postgres.database import PostgresDatabase
from state.postgres.sql import PostgresDb
from state.postgres.turn_locks import PostgresJobLeases, PostgresTurnLocks
from state.sql.aggregates import Aggregates


class PostgresStore(Aggregates):
    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.database = PostgresDatabase(url, schema=schema)
        super().__init__(PostgresDb(self.database))
        self.locks = PostgresTurnLocks(self.database)
        self.jobs = PostgresJobLeases(self.database)

    async def open(self) -> None:
        await self.database.open()

    async def close(self) -> None:
        await self.database.close()

    async def checkpoint(self) -> None:
        await self.database.checkpoint()

    async def ping(self) -> None:
        await self.database.ping()
