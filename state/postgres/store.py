"""The Store on PostgreSQL: its aggregates over one database, shared by the fleet."""

from __future__ import annotations

from state.postgres.database import PostgresDatabase
from state.postgres.sql import PostgresDb
from state.postgres.turn_locks import PostgresJobLeases, PostgresTurnLocks
from state.sql.bot_state import BotState
from state.sql.history import Charts, History
from state.sql.outbox import Outbox
from state.sql.references import References
from state.sql.watch_events import WatchEvents
from state.sql.watches import Watches


class PostgresStore:
    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.database = PostgresDatabase(url, schema=schema)
        sql = PostgresDb(self.database)
        self.references = References(sql)
        self.watches = Watches(sql)
        self.outbox = Outbox(sql)
        self.bot_state = BotState(sql)
        self.history = History(sql)
        self.charts = Charts(sql)
        self.events = WatchEvents(sql)
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
