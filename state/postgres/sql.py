"""The neutral SQL (state/sql/) on PostgreSQL: how it is spelled here, and its `Db`.

A round trip to the server costs more than the work of a row, so bulk rows are arrays
(`unnest`), one statement for all of them.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING, Any, AsyncIterator, Final

import asyncpg

from state.sql.db import Columns, Rows, bound
from state.sql.query import Dialect, Query, Rendered

if TYPE_CHECKING:
    from state.postgres.database import PostgresDatabase

TYPES: Final = {"moment": "timestamptz"}
"""The neutral type names that are not PostgreSQL's own."""


class PostgresDialect(Dialect):
    """Values as `$N`, lists as arrays, bulk rows as `unnest` over one array a column,
    moments as timestamptz, lengths of time as intervals."""

    name = "postgres"

    def placeholder(self, number: int) -> str:
        return f"${number}"

    def in_list(self, first: int, length: int, negated: bool) -> tuple[str, int]:
        return (f"!= ALL(${first})" if negated else f"= ANY(${first})"), 1

    def rows(
        self, columns: list[tuple[str, str]], alias: str, first: int, count: int | None
    ) -> tuple[str, int]:
        arrays = ", ".join(
            f"${first + n}::{TYPES.get(kind, kind)}[]" for n, (_, kind) in enumerate(columns)
        )
        names = ", ".join(name for name, _ in columns)
        return f"unnest({arrays}) AS {alias} ({names})", len(columns)

    def function(self, name: str) -> str:
        return "date_part('epoch', " if name == "epoch" else f"{name}("

    @staticmethod
    def moment(value: datetime) -> datetime:
        return value

    @staticmethod
    def at(stored: datetime) -> datetime:
        return stored

    @staticmethod
    def duration(value: timedelta) -> timedelta:
        return value  # an interval


POSTGRES: Final = PostgresDialect()


class _Statements:
    dialect: Final = POSTGRES

    def _target(self) -> asyncpg.Pool | asyncpg.Connection:
        raise NotImplementedError

    def _args(
        self, query: Query, rows: Rows | None, values: dict[str, Any]
    ) -> tuple[str, list[Any]]:
        rendered = query.rendered(POSTGRES)
        if (rows is None) != (not rendered.columns):
            raise TypeError(f"{query!r} takes rows exactly when it has ROWS")
        args = bound(query, rendered.order, values)
        if not rendered.spread:
            return rendered.fixed, args  # type: ignore[return-value]
        del args[len(rendered.names) :]
        for name in rendered.spread:
            if name is not None:
                args.append(list(values[name]))
            else:
                args.extend(_arrays(rendered, rows))  # type: ignore[arg-type]
        return rendered.fixed, args  # type: ignore[return-value]

    async def fetch(
        self, query: Query, rows: Rows | None = None, /, **values: Any
    ) -> list[asyncpg.Record]:
        sql, args = self._args(query, rows, values)
        return await self._target().fetch(sql, *args)  # type: ignore[no-any-return]

    async def fetch_long(
        self, query: Query, rows: Rows | None = None, /, **values: Any
    ) -> list[asyncpg.Record]:
        return await self.fetch(query, rows, **values)  # the server does the work

    async def fetchrow(
        self, query: Query, rows: Rows | None = None, /, **values: Any
    ) -> asyncpg.Record | None:
        sql, args = self._args(query, rows, values)
        return await self._target().fetchrow(sql, *args)

    async def fetchval(self, query: Query, rows: Rows | None = None, /, **values: Any) -> Any:
        sql, args = self._args(query, rows, values)
        return await self._target().fetchval(sql, *args)

    async def execute(self, query: Query, rows: Rows | None = None, /, **values: Any) -> int:
        sql, args = self._args(query, rows, values)
        return _count(await self._target().execute(sql, *args))

    async def execute_many(self, query: Query, rows: Rows, /, **values: Any) -> int:
        rendered = query.rendered(POSTGRES, bulk=True)
        if not rows:
            return 0
        rest = bound(query, rendered.names, values)
        return _count(await self._target().execute(rendered.fixed, *_arrays(rendered, rows), *rest))


def _arrays(rendered: Rendered, rows: Rows) -> list[Any]:
    """The rows as one array a column."""
    width = len(rendered.columns)
    if isinstance(rows, Columns):
        arrays: list[Any] = list(rows.columns)
    else:
        arrays = [list(map(itemgetter(n), rows)) for n in range(width)] if rows else [[]] * width
    if len(arrays) != width or any(len(array) != len(arrays[0]) for array in arrays):
        raise TypeError(f"rows of other widths than {rendered.columns}")
    return arrays


def _count(status: str) -> int:
    """The row count of a command tag such as `INSERT 0 3` or `UPDATE 2`."""
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else 0


class PostgresDb(_Statements):
    """The database's pool, each statement on any connection, committing on its own."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database

    def _target(self) -> asyncpg.Pool:
        return self._database.pool

    @asynccontextmanager
    async def transaction(self, *, durable: bool = True) -> AsyncIterator[PostgresTransaction]:
        async with self._database.transaction() as connection:
            if not durable:
                await connection.execute("SET LOCAL synchronous_commit = off")
            yield PostgresTransaction(connection)


class PostgresTransaction(_Statements):
    """Statements inside a transaction open on this connection."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    def _target(self) -> asyncpg.Connection:
        return self._connection

    def transaction(self, *, durable: bool = True) -> Any:
        raise RuntimeError("a transaction is already open: they do not nest")
