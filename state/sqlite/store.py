"""The Store on one SQLite file: its aggregates over one database."""

from __future__ import annotations

from pathlib import Path

from state.sql.aggregates import Aggregates
from state.sqlite.database import SqliteDatabase
from state.sqlite.sql import SqliteDb
from state.turn_locks import LocalJobLeases, LocalTurnLocks


class SqliteStore(Aggregates):
    """Only this process uses the file, so turn locks and job leases are in-process ones."""

    def __init__(self, path: Path) -> None:
        self.database = SqliteDatabase(path)
        super().__init__(SqliteDb(self.database))
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
