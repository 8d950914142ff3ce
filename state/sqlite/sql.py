"""The neutral SQL (state/sql/) on SQLite: how it is spelled here, and its `Db`.

Statements run on the event loop's thread (database.py says why), so no call suspends
and a transaction holds the loop from `BEGIN IMMEDIATE` to its end.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final

from state.sql.db import Rows, bound
from state.sql.query import Dialect, Query, Rendered

if TYPE_CHECKING:
    from state.sqlite.database import SqliteDatabase


_SKIP_CONFLICTS: Final = re.compile(
    r"^\s*INSERT INTO (?P<body>.*?)\s*ON CONFLICT(?: \([\w, ]+\))? DO NOTHING\s*$", re.DOTALL
)
IN_LIMIT: Final = 500
"""Values bound one by one in an `IN` list; a longer list is bound as one JSON array."""


class SqliteDialect(Dialect):
    """Values as `?N`; lists and rows spread into values up to IN_LIMIT, one JSON text
    past it; a bulk write once per row (executemany); moments as REAL seconds since the
    epoch, lengths of time as seconds; one writer at a time, so no row locks to ask for."""

    name = "sqlite"
    sizes_fixed = False
    inline_bulk_rows = True  # 1.5x to 5x faster a row than a one-row subquery (the ROWS)

    def statement(self, sql: str) -> str:
        # `INSERT ... ON CONFLICT DO NOTHING` as `INSERT OR IGNORE`: the same rows stored
        # (a row that breaks NOT NULL is skipped too, never the case for ours), and a
        # statement that cannot abort needs no statement journal, which made a poll's
        # alerts four times as slow to insert (BENCHMARKS.md).
        skipping = _SKIP_CONFLICTS.match(sql)
        return f"INSERT OR IGNORE INTO {skipping['body']}" if skipping else sql

    def placeholder(self, number: int) -> str:
        return f"?{number}"

    def in_list(self, first: int, length: int, negated: bool) -> tuple[str, int]:
        op = "NOT IN" if negated else "IN"
        if length > IN_LIMIT:
            return f"{op} (SELECT value FROM json_each(?{first}))", 1
        return f"{op} ({', '.join(f'?{n}' for n in range(first, first + length))})", length

    def rows(
        self, columns: list[tuple[str, str]], alias: str, first: int, count: int | None
    ) -> tuple[str, int]:
        names = [name for name, _ in columns]
        if count is None:
            picked = ", ".join(f"?{first + n} AS {name}" for n, name in enumerate(names))
            return f"(SELECT {picked}) AS {alias}", len(names)
        if count * len(names) > IN_LIMIT:
            picked = ", ".join(f"value ->> {n} AS {name}" for n, name in enumerate(names))
            return f"(SELECT {picked} FROM json_each(?{first})) AS {alias}", 1
        if count == 0:
            return (
                f"(SELECT {', '.join(f'NULL AS {name}' for name in names)} WHERE 0) AS {alias}",
                0,
            )
        width, numbers = len(names), iter(range(first, first + count * len(names)))
        values = ", ".join(
            "(" + ", ".join(f"?{next(numbers)}" for _ in range(width)) + ")" for _ in range(count)
        )
        picked = ", ".join(f"column{n} AS {name}" for n, name in enumerate(names, start=1))
        return f"(SELECT {picked} FROM (VALUES {values})) AS {alias}", count * width

    def function(self, name: str) -> str:
        return {"greatest": "max(", "least": "min(", "epoch": "("}[name]

    def locking(self, clause: str) -> str:
        return ""

    @staticmethod
    def moment(value: datetime) -> float:
        return value.timestamp()

    @staticmethod
    def at(stored: float) -> datetime:
        return datetime.fromtimestamp(stored, timezone.utc)

    @staticmethod
    def duration(value: timedelta) -> float:
        return value.total_seconds()


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

    def _cursor(self, query: Query, rows: Rows | None, values: dict[str, Any]) -> sqlite3.Cursor:
        return self._connection().execute(*_statement(query, rows, values))

    async def fetch(
        self, query: Query, rows: Rows | None = None, /, **values: Any
    ) -> list[sqlite3.Row]:
        return self._cursor(query, rows, values).fetchall()

    async def fetch_long(
        self, query: Query, rows: Rows | None = None, /, **values: Any
    ) -> list[sqlite3.Row]:
        # Inside a transaction the read must see it: on its connection.
        return self._cursor(query, rows, values).fetchall()

    async def fetchrow(
        self, query: Query, rows: Rows | None = None, /, **values: Any
    ) -> sqlite3.Row | None:
        # Every row is read: a statement left unfinished would keep its transaction open.
        found = self._cursor(query, rows, values).fetchall()
        return found[0] if found else None

    async def fetchval(self, query: Query, rows: Rows | None = None, /, **values: Any) -> Any:
        found = self._cursor(query, rows, values).fetchall()
        return found[0][0] if found else None

    async def execute(self, query: Query, rows: Rows | None = None, /, **values: Any) -> int:
        return self._cursor(query, rows, values).rowcount

    async def execute_many(self, query: Query, rows: Rows, /, **values: Any) -> int:
        rendered = query.rendered(SQLITE, bulk=True)
        if not rows:
            return 0
        rest = bound(query, rendered.names, values)
        return (
            self._connection()
            .executemany(rendered.fixed, [(*row, *rest) for row in rows] if rest else rows)  # type: ignore[arg-type]
            .rowcount
        )


def _statement(query: Query, rows: Rows | None, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """The query's text for these values and the values in its order."""
    rendered = query.rendered(SQLITE)
    if (rows is None) != (not rendered.columns):
        raise TypeError(f"{query!r} takes rows exactly when it has ROWS")
    args = bound(query, rendered.order, values)
    if not rendered.spread:
        return rendered.fixed, args  # type: ignore[return-value]
    return _spread(rendered, args, rows, values)


def _spread(
    rendered: Rendered, args: list[Any], rows: Rows | None, values: dict[str, Any]
) -> tuple[str, list[Any]]:
    """The text for the sizes of these lists and rows, and the values with theirs spread
    out; past IN_LIMIT values, a list or the rows as one JSON array (so then they must
    be text, numbers or None)."""
    flat, sizes = args[: len(rendered.names)], []
    for name in rendered.spread:
        if name is None:
            spread: list[Any] = list(rows or ())
            one_by_one = [value for row in spread for value in row]
        else:
            spread = one_by_one = list(values[name])
        if len(one_by_one) > IN_LIMIT:
            flat.append(json.dumps(spread))
            sizes.append(IN_LIMIT + 1)
        else:
            flat.extend(one_by_one)
            sizes.append(len(spread))
    key = tuple(sizes)
    text = rendered.texts.get(key)
    if text is None:
        text = rendered.texts[key] = rendered.text(key)
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

    def transaction(self, *, durable: bool = True) -> _Transaction:
        return _Transaction(self._database.conn)

    async def fetch_long(
        self, query: Query, rows: Rows | None = None, /, **values: Any
    ) -> list[sqlite3.Row]:
        return await self._database.read_aside(*_statement(query, rows, values))

    async def execute_many(self, query: Query, rows: Rows, /, **values: Any) -> int:
        # All rows or none, as PostgreSQL's one statement over arrays.
        async with self.transaction() as db:
            return await db.execute_many(query, rows, **values)


class SqliteTransaction(_Statements):
    """Statements inside a transaction open on this connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._open = connection

    def _connection(self) -> sqlite3.Connection:
        return self._open

    def transaction(self, *, durable: bool = True) -> _Transaction:
        raise RuntimeError("a transaction is already open: they do not nest")


class _Transaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def __aenter__(self) -> SqliteTransaction:
        self._connection.execute("BEGIN IMMEDIATE")
        return SqliteTransaction(self._connection)

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self._connection.execute("COMMIT" if kind is None else "ROLLBACK")
