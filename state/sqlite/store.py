"""The Store on one SQLite file: its aggregates over one database."""

from __future__ import annotations

from pathlib import Path

from state.sql.bot_state import BotState
from state.sql.history import Charts, History
from state.sql.outbox import Outbox
from state.sql.references import References
from state.sql.watch_events import WatchEvents
from state.sql.watches import Watches
from state.sqlite.database import SqliteDatabase
from state.sqlite.sql import SqliteDb
from state.turn_locks import LocalJobLeases, LocalTurnLocks


class SqliteStore:
    """Only this process uses the file, so turn locks and job leases are in-process ones."""

    def __init__(self, path: Path) -> None:
        self.database = SqliteDatabase(path)
        sql = SqliteDb(self.database)
        self.references = References(sql)
        self.watches = Watches(sql)
        self.outbox = Outbox(sql)
        self.bot_state = BotState(sql)
        self.history = History(sql)
        self.charts = Charts(sql)
        self.events = WatchEvents(sql)
        self.locks = LocalTurnLocks()
        self.jobs = LocalJobLeases()

    @property
    def path(self) -> Path:
        return self.database.path

    async def open(self) -> None:
        await self.database.open()

    async def close(self) -> None:
        await self.database.close()

    async def checkpoint(self) -> None:
        await self.database.checkpoint()

    async def ping(self) -> None:
        await self.database.ping()
