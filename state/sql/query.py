"""Queries written once, in one SQL that both backends read, and how a backend renders them.

The neutral text is the SQL SQLite and PostgreSQL share (`ON CONFLICT ... DO UPDATE`,
`RETURNING`, `IS NOT DISTINCT FROM`, `CAST`, row values, `UPDATE ... FROM`), plus a few
marks each backend spells its own way, rendered by its `Dialect` (state/sqlite/sql.py,
state/postgres/sql.py):

- `:name`, a value. Numbered per distinct name: `?N` on SQLite, `$N` on PostgreSQL.
- `IN :name` (or `NOT IN :name`), a list of values: `IN (?, ?, ...)` on SQLite,
  `= ANY($N)` (`!= ALL($N)`) on PostgreSQL. A list appears once in a query.
- `ROWS(name type, ...) AS alias`, rows passed with the call, as a table: arrays on
  PostgreSQL (`unnest`), one statement for all rows. On SQLite a bulk write
  (`Db.execute_many`) runs once per row (executemany, where a round trip costs nothing),
  and a read has them as `VALUES`. Types are PostgreSQL's, plus `moment`, a point in
  time, which each backend stores its own way (`Dialect.moment`). One per query.
- `greatest(`/`least(` (PostgreSQL's; SQLite's many-argument `max(`/`min(`: both only on
  NOT NULL values, as SQLite's answer NULL when any argument is NULL),
- `epoch(moment)`, a stored moment as seconds since the epoch (a float), and
  `FOR UPDATE [SKIP LOCKED]` (SQLite has one writer at a time: `BEGIN IMMEDIATE` holds it).

A sequence is `nextval('name')` on both: SQLite's connection has that function (ours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Final

_TOKENS: Final = re.compile(
    r"""
      (?P<quoted>'(?:[^']|'')*')
    | (?P<negated>\bNOT\s+)?\bIN\s+:(?P<list>[A-Za-z_]\w*)
    | \bROWS\((?P<columns>[^)]*)\)\s+AS\s+(?P<alias>\w+)
    | (?<!:):(?P<param>[A-Za-z_]\w*)
    | \b(?P<function>greatest|least|epoch)\(
    | (?P<locking>\s+FOR\s+UPDATE(?:\s+SKIP\s+LOCKED)?)
    """,
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class Rendered:
    """A query as one backend runs it: its text, and the order its values are bound in.

    A bulk write binds the row's columns, then `names`. Any other query binds `names`,
    then its lists and rows in the order of `spread` (a list's name; None for the rows),
    whose sizes its text may depend on (`text`, `fixed` when it does not)."""

    columns: tuple[str, ...]
    names: tuple[str, ...]
    lists: tuple[str, ...]
    spread: tuple[str | None, ...]
    text: Callable[[tuple[int, ...]], str]
    fixed: str | None
    order: tuple[str, ...]
    """`names` then `lists`: the values a call passes by name."""
    texts: dict[tuple[int, ...], str] = field(default_factory=dict, compare=False)
    """Texts by the sizes of what is spread, for a dialect whose text depends on them."""


class Query:
    """One statement in the neutral SQL, rendered once per dialect on first use."""

    __slots__ = ("sql", "_rendered")

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self._rendered: dict[tuple[Dialect, bool], Rendered] = {}
        _pieces(sql)  # a malformed query fails where it is written

    def rendered(self, dialect: Dialect, *, bulk: bool = False) -> Rendered:
        """Rendered for `dialect`: a bulk write (`execute_many`) or any other call."""
        rendered = self._rendered.get((dialect, bulk))
        if rendered is None:
            rendered = self._rendered[dialect, bulk] = dialect.render(self.sql, bulk)
        return rendered

    def __repr__(self) -> str:
        return f"Query({self.sql!r})"


class Dialect:
    """How one backend spells the neutral SQL, and how it stores a moment. A subclass
    says only what differs; the numbering of values is shared."""

    name: str = "neutral"
    sizes_fixed: bool = True
    """Whether a query's text is the same whatever the sizes of its lists and rows."""
    inline_bulk_rows: bool = False
    """Whether a bulk write runs once per row with the row's values in place of
    `alias.column`, where its `ROWS` can go: the only source after FROM (then before
    WHERE, ON CONFLICT or the end), or one after a comma in a FROM list. So a bulk write
    names its rows' columns as `alias.column`, never `alias.*` or `*`."""

    def placeholder(self, number: int) -> str:
        raise NotImplementedError

    def in_list(self, first: int, length: int, negated: bool) -> tuple[str, int]:
        """`[NOT] IN :name` for a list of that length bound from number `first` on, and
        how many numbers it takes."""
        raise NotImplementedError

    def rows(
        self, columns: list[tuple[str, str]], alias: str, first: int, count: int | None
    ) -> tuple[str, int]:
        """`ROWS(...) AS alias` for `count` rows (None: one row per execution, in a bulk
        write) bound from number `first` on, and how many numbers it takes."""
        raise NotImplementedError

    def function(self, name: str) -> str:
        """How a function the neutral SQL names opens here, its "(" included."""
        return f"{name}("

    def locking(self, clause: str) -> str:
        return clause

    @staticmethod
    def moment(value: datetime) -> Any:
        """A moment as this backend stores it."""
        raise NotImplementedError

    @staticmethod
    def at(stored: Any) -> datetime:
        """A stored moment as a timezone-aware UTC datetime."""
        raise NotImplementedError

    @staticmethod
    def duration(value: timedelta) -> Any:
        """A length of time as this backend adds it to a stored moment."""
        raise NotImplementedError

    def moment_or_none(self, value: datetime | None) -> Any:
        return None if value is None else self.moment(value)

    def at_or_none(self, stored: Any) -> datetime | None:
        return None if stored is None else self.at(stored)

    def statement(self, sql: str) -> str:
        """The neutral statement as this backend says it best, before its pieces are
        spelled; most backends take it as it is."""
        return sql

    def render(self, sql: str, bulk: bool) -> Rendered:
        pieces = _pieces(self.statement(sql))
        if bulk and self.inline_bulk_rows:
            pieces = _inlined(pieces)
        columns = [
            column
            for kind, value in pieces
            if kind in ("rows", "rows_inlined")
            for column in value[0]
        ]
        names = list(dict.fromkeys(value for kind, value in pieces if kind == "param"))
        spread = [
            value[0] if kind == "list" else None
            for kind, value in pieces
            if kind in ("list", "rows")
        ]
        lists = [name for name in spread if name is not None]
        if len(set(lists)) != len(lists):
            raise ValueError(f"a list appears more than once in {sql!r}")
        if bulk and (lists or not columns):
            raise ValueError(f"a bulk write has ROWS and no list: {sql!r}")
        # A bulk write binds each row's columns first, then the values the same for all.
        column = {name: n for n, (name, _) in enumerate(columns, start=1)}
        start = len(columns) + 1 if bulk else 1
        number = {name: n for n, name in enumerate(names, start=start)}

        def text(sizes: tuple[int, ...]) -> str:
            out, next_number, size = [], start + len(names), iter(sizes)
            for kind, value in pieces:
                if kind in ("text", "quoted"):
                    out.append(value)
                elif kind == "param":
                    out.append(self.placeholder(number[value]))
                elif kind == "column":
                    out.append(self.placeholder(column[value]))
                elif kind == "rows_inlined":
                    pass
                elif kind == "function":
                    out.append(self.function(value.lower()))
                elif kind == "locking":
                    out.append(self.locking(value))
                elif kind == "rows" and bulk:
                    out.append(self.rows(value[0], value[1], 1, None)[0])
                else:
                    spelled, used = (
                        self.in_list(next_number, next(size), value[1])
                        if kind == "list"
                        else self.rows(value[0], value[1], next_number, next(size))
                    )
                    out.append(spelled)
                    next_number += used
            return "".join(out)

        return Rendered(
            columns=tuple(c for c, _ in columns),
            names=tuple(names),
            lists=tuple(lists),
            spread=() if bulk else tuple(spread),
            text=text,
            fixed=text((0,) * len(spread)) if bulk or self.sizes_fixed or not spread else None,
            order=tuple(names + lists),
        )


_ROWS_ALONE: Final = re.compile(r"\s*(?:WHERE\b|ON\s+CONFLICT\b|$)", re.IGNORECASE)


def _inlined(pieces: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Where the rows can go (see `Dialect.inline_bulk_rows`), `ROWS(...) AS alias`
    dropped (its columns kept first, as `rows_inlined`) and each `alias.column` a
    `column` piece, the value itself; else the pieces as they were."""
    at = next((n for n, (kind, _) in enumerate(pieces) if kind == "rows"), None)
    if at is None or not 0 < at < len(pieces) - 1:
        return pieces
    (before_kind, before), (after_kind, after) = pieces[at - 1], pieces[at + 1]
    if before_kind != "text" or after_kind != "text":
        return pieces
    from_only = re.search(r"\bFROM\s+$", before, re.IGNORECASE)
    if from_only and _ROWS_ALONE.match(after):
        before = before[: from_only.start()]
    elif re.search(r",\s*$", before):
        before = re.sub(r"\s*,\s*$", " ", before)
    else:
        return pieces
    columns, alias = pieces[at][1]
    names = {name for name, _ in columns}
    reference = re.compile(rf"\b{re.escape(alias)}\.(\w+)\b")
    inlined: list[tuple[str, Any]] = [("rows_inlined", (columns, alias))]
    for kind, value in [*pieces[: at - 1], ("text", before), *pieces[at + 1 :]]:
        if kind != "text":
            inlined.append((kind, value))
            continue
        end = 0
        for match in reference.finditer(value):
            if match[1] not in names:
                raise ValueError(f"{alias}.{match[1]} is no column of ROWS {columns}")
            inlined += [("text", value[end : match.start()]), ("column", match[1])]
            end = match.end()
        inlined.append(("text", value[end:]))
    return inlined


def _pieces(sql: str) -> list[tuple[str, Any]]:
    pieces: list[tuple[str, Any]] = []
    end = 0
    for match in _TOKENS.finditer(sql):
        pieces.append(("text", sql[end : match.start()]))
        end = match.end()
        if match["quoted"] is not None:
            pieces.append(("quoted", match["quoted"]))
        elif match["columns"] is not None:
            columns = [tuple(column.split()) for column in match["columns"].split(",")]
            if any(len(column) != 2 for column in columns):
                raise ValueError(f"ROWS wants `name type, ...`: {match.group()!r}")
            pieces.append(("rows", (columns, match["alias"])))
        elif match["list"] is not None:
            pieces.append(("list", (match["list"], match["negated"] is not None)))
        else:
            kind = next(k for k in ("param", "function", "locking") if match[k])
            pieces.append((kind, match[kind]))
    pieces.append(("text", sql[end:]))
    if sum(kind == "rows" for kind, _ in pieces) > 1:
        raise ValueError(f"one ROWS per query: {sql!r}")
    return pieces
