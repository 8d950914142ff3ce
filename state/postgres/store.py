"""The Store on PostgreSQL: its aggregates over one database, shared by the fleet."""

from __future__ import annotations

from state.postgres.bot_state import PostgresBotState
from state.postgres.database import PostgresDatabase
from state.postgres.history import PostgresCharts, PostgresHistory
from state.postgres.outbox import PostgresOutbox
from state.postgres.references import PostgresReferences
from state.postgres.turn_locks import PostgresJobLeases, PostgresTurnLocks
from state.postgres.watch_events import PostgresWatchEvents
from state.postgres.watches import PostgresWatches


class PostgresStore:
    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.database = PostgresDatabase(url, schema=schema)
        self.references = PostgresReferences(self.database)
        self.watches = PostgresWatches(self.database)
        self.outbox = PostgresOutbox(self.database)
        self.bot_state = PostgresBotState(self.database)
        self.history = PostgresHistory(self.database)
        self.charts = PostgresCharts(self.database)
        self.events = PostgresWatchEvents(self.database)
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
