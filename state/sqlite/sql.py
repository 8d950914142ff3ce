"""The neutral SQL (state/sql/) on SQLite: how it is spelled here, and its `Db`.

Statements run on the event loop's thread (database.py says why), so no call suspends
and a transaction holds the loop from `BEGIN IMMEDIATE` to its end.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Coroutine, Final, Sequence, TypeVar

from state.sql.db import bound
from state.sql.query import Dialect, Query, Rendered

if TYPE_CHECKING:
    from state.sqlite.database import SqliteDatabase

T = TypeVar("T")

IN_LIMIT: Final = 500
"""Values bound one by one in an `IN` list; a longer list is bound as one JSON array."""


class SqliteDialect(Dialect):
    """Values as `?N`; bulk rows one row per execution (executemany); moments as REAL
    seconds since the epoch; one writer at a time, so no row locks to ask for."""

    name = "sqlite"
    lists_fixed = False

    def placeholder(self, number: int) -> str:
        return f"?{number}"

    def in_list(self, first: int, length: int, negated: bool) -> tuple[str, int]:
        op = "NOT IN" if negated else "IN"
        if length > IN_LIMIT:
            return f"{op} (SELECT value FROM json_each(?{first}))", 1
        return f"{op} ({', '.join(f'?{n}' for n in range(first, first + length))})", length

    def list_values(self, values: Any) -> list[Any]:
        values = list(values)
        return values if len(values) <= IN_LIMIT else [json.dumps(values)]

    def rows(self, columns: list[tuple[str, str]], alias: str, first: int) -> str:
        picked = ", ".join(f"?{first + n} AS {name}" for n, (name, _) in enumerate(columns))
        return f"(SELECT {picked}) AS {alias}"

    def function(self, name: str) -> str:
        return {"greatest": "max", "least": "min"}[name.lower()]

    def locking(self, clause: str) -> str:
        return ""

    @staticmethod
    def moment(value: datetime) -> float:
        return value.timestamp()

    @staticmethod
    def at(stored: float) -> datetime:
        return datetime.fromtimestamp(stored, timezone.utc)


SQLITE: Final = SqliteDialect()


class Sequences:
    """`nextval(name)`, as SQLite has no sequences: this process's clock in nanoseconds,
    and never less than one past the last value given. Unique and growing in the one
    process that owns the file, and after a restart too (the clock has moved on)."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}

    def next(self, name: str) -> int:
        value = self._last[name] = max(time.time_ns(), self._last.get(name, 0) + 1)
        return value

    def install(self, db: sqlite3.Connection) -> None:
        db.create_function("nextval", 1, self.next)


class _Statements:
    dialect: Final = SQLITE

    def _connection(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _cursor(self, query: Query, values: dict[str, Any]) -> sqlite3.Cursor:
        rendered = query.rendered(SQLITE)
        if rendered.columns:
            raise TypeError(f"{query!r} has ROWS: it runs by execute_many")
        args = bound(query, rendered.order, values)
        if not rendered.lists:
            return self._connection().execute(rendered.fixed, args)  # type: ignore[arg-type]
        return self._connection().execute(*_with_lists(rendered, args))

    async def fetch(self, query: Query, /, **values: Any) -> list[sqlite3.Row]:
        return self._cursor(query, values).fetchall()

    async def fetchrow(self, query: Query, /, **values: Any) -> sqlite3.Row | None:
        # Every row is read: a statement left unfinished would keep its transaction open.
        rows = self._cursor(query, values).fetchall()
        return rows[0] if rows else None

    async def fetchval(self, query: Query, /, **values: Any) -> Any:
        rows = self._cursor(query, values).fetchall()
        return rows[0][0] if rows else None

    async def execute(self, query: Query, /, **values: Any) -> int:
        return self._cursor(query, values).rowcount

    async def execute_many(
        self, query: Query, rows: Sequence[Sequence[Any]], /, **values: Any
    ) -> int:
        rendered = query.rendered(SQLITE)
        if not rendered.columns or rendered.lists:
            raise TypeError(f"{query!r} needs ROWS and no list to run by execute_many")
        if not rows:
            return 0
        rest = bound(query, rendered.names, values)
        return (
            self._connection()
            .executemany(rendered.fixed, [(*row, *rest) for row in rows] if rest else rows)  # type: ignore[arg-type]
            .rowcount
        )


def _with_lists(rendered: Rendered, args: list[Any]) -> tuple[str, list[Any]]:
    count = len(rendered.names)
    lists = args[count:]
    lengths = tuple(min(len(values), IN_LIMIT + 1) for values in lists)
    text = rendered.texts.get(lengths)
    if text is None:
        text = rendered.texts[lengths] = rendered.text(lengths)
    flat = args[:count]
    for values in lists:
        flat.extend(SQLITE.list_values(values))
    return text, flat


class SqliteDb(_Statements):
    """The database's connection, each statement committing on its own."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database

    def _connection(self) -> sqlite3.Connection:
        connection = self._database.conn
        if connection.in_transaction:
            # Only a transaction that gave up the loop lets another task get here.
            raise RuntimeError("a statement while a transaction is open on the connection")
        return connection

    def transaction(self) -> _Transaction:
        return _Transaction(self._database.conn)


class SqliteTransaction(_Statements):
    """Statements inside a transaction open on this connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._open = connection

    def _connection(self) -> sqlite3.Connection:
        return self._open

    def transaction(self) -> _Transaction:
        raise RuntimeError("a transaction is already open: they do not nest")


class _Transaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def __aenter__(self) -> SqliteTransaction:
        self._connection.execute("BEGIN IMMEDIATE")
        return SqliteTransaction(self._connection)

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._connection.execute("COMMIT" if kind is None else "ROLLBACK")


def run_now(call: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends, such as query code over a SQLite
    `Db`, for a caller that is not a coroutine."""
    try:
        call.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    call.close()
    raise RuntimeError("the call suspended: it was meant to run on SQLite alone")
