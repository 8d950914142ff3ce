"""What query code runs its queries on: one backend's connections, the same few calls.

Each backend has one (state/sqlite/sql.py, state/postgres/sql.py): the neutral query
rendered by its dialect, the values bound in the rendered order, the rows it answers.
Query code written once over a `Db` runs on both.
"""

from __future__ import annotations

from typing import Any, AsyncContextManager, Iterator, Mapping, Protocol, Sequence, Union

from state.sql.query import Dialect, Query


class Columns:
    """Rows given a column at a time, one list a column, all of one length: what
    PostgreSQL sends (arrays) as they are, for the bulk writes a poll makes over every
    product (turning 10,000 rows around costs a millisecond). Iterated, the rows."""

    __slots__ = ("columns",)

    def __init__(self, *columns: Sequence[Any]) -> None:
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return zip(*self.columns)


Rows = Union[Sequence[Sequence[Any]], Columns]
"""The rows of a query's `ROWS(...)`: tuples in its column order, or `Columns`."""


class Db(Protocol):
    """Outside a transaction each statement commits on its own; inside one (`transaction`),
    on the transaction's connection. On SQLite no call suspends, so a transaction holds
    the loop until it ends: no other I/O inside one."""

    dialect: Dialect

    async def fetch(self, query: Query, rows: Rows | None = None, /, **values: Any) -> list[Any]:
        """The rows the query answers, each by column name and by position; `rows` (the
        query's `ROWS(...)`) exactly when it has one."""

    async def fetch_long(
        self, query: Query, rows: Rows | None = None, /, **values: Any
    ) -> list[Any]:
        """`fetch` for a read that scans many rows to answer few: it must not hold the
        loop. SQLite runs it on a reader thread with a connection of its own (a WAL
        reader waits for no writer, and the GIL is free while SQLite works); inside a
        transaction, on the transaction's connection. PostgreSQL: `fetch`."""

    async def fetchrow(self, query: Query, rows: Rows | None = None, /, **values: Any) -> Any:
        """The first row, None without one."""

    async def fetchval(self, query: Query, rows: Rows | None = None, /, **values: Any) -> Any:
        """The first column of the first row, None without a row."""

    async def execute(self, query: Query, rows: Rows | None = None, /, **values: Any) -> int:
        """How many rows the statement inserted, updated or deleted (use `fetch` for a
        statement with RETURNING)."""

    async def execute_many(self, query: Query, rows: Rows, /, **values: Any) -> int:
        """A bulk write: a query with `ROWS(...)` over these rows, the other values the
        same for every row, all or none; how many rows it changed. One statement on
        PostgreSQL, the statement once per row on SQLite (so a `NOT EXISTS` sees the rows
        before it there, not on PostgreSQL: give it rows with distinct keys)."""

    def transaction(self, *, durable: bool = True) -> AsyncContextManager[Db]:
        """A transaction (not nested), its statements run on what it yields. Not
        `durable`: its commit may be lost in a crash, for work the next run makes again
        (PostgreSQL then does not wait for its log's flush; SQLite's commits, in WAL
        with synchronous=NORMAL, never wait for one)."""


def bound(query: Query, names: Sequence[str], values: Mapping[str, Any]) -> list[Any]:
    """The values in the rendered order; a missing or an unknown name is an error."""
    try:
        ordered = [values[name] for name in names]
    except KeyError:
        ordered = []
    if len(ordered) != len(values) or len(ordered) != len(names):
        expected, given = set(names), set(values)
        raise TypeError(
            f"{query!r} takes {sorted(expected)}; missing {sorted(expected - given)},"
            f" unknown {sorted(given - expected)}"
        )
    return ordered
